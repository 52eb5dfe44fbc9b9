# cellpipe's local model server (docs/distributed-and-serving.md): KServe's own ModelServer (the
# `kserve` package) serving one scikit-learn model from a folder in KServe's layout (model.joblib),
# as KServe's sklearn server does in a cluster, on loopback. Usage:
#   python serve_model.py NAME MODEL_DIR PORT
# It answers KServe's v1 protocol: GET /v1/models/NAME (ready), POST /v1/models/NAME:predict
# {"instances": [[...], ...]} -> {"predictions": [...]}.
import os
import sys

import joblib
import kserve
import numpy as np
import uvicorn

# KServe's REST server listens on every interface (it is made for a pod); a model served on a
# workstation answers on loopback only. Its server makes uvicorn.Config(host="0.0.0.0", ...) when it
# starts, so the class it finds then is one that keeps to loopback.
_Config = uvicorn.Config


class _LoopbackConfig(_Config):
    def __init__(self, *args, **kwargs):
        kwargs["host"] = "127.0.0.1"
        super().__init__(*args, **kwargs)


uvicorn.Config = _LoopbackConfig


class SklearnModel(kserve.Model):
    def __init__(self, name, model_dir):
        super().__init__(name)
        self.model_dir = model_dir
        self.model = None
        self.load()

    def load(self):
        self.model = joblib.load(os.path.join(self.model_dir, "model.joblib"))
        self.ready = True
        return self.ready

    def predict(self, payload, headers=None):
        instances = payload["instances"] if isinstance(payload, dict) else payload
        return {"predictions": self.model.predict(np.asarray(instances)).tolist()}


if __name__ == "__main__":
    name, model_dir, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    kserve.ModelServer(http_port=port, enable_grpc=False, workers=1).start([SklearnModel(name, model_dir)])
