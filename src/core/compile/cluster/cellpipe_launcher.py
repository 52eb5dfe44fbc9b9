# cellpipe's launcher of a distributed or served step on Kubernetes (docs/distributed-and-serving.md):
# run as an ordinary Argo or KFP task in the step's image, with the step pod's environment. Stdlib
# only: a tiny Kubernetes client over urllib with the pod's service-account token. Its arguments,
# if any, are a KFP step's (the run's data folder, then the parameters): the workers get them too.
#
# CELLPIPE_LAUNCH holds what to launch (JSON, launcherScript.ts writes it):
#   {"manifest": {...}, "rankZero": {"jobNameLabel": "k", "labels": {...}, "container": "node"}, "forwardEnv": [...]}
#   A TrainJob or PyTorchJob: created (owned by this pod, so it goes with it), with the variables
#   named in forwardEnv copied from this pod and the claims this pod mounts; rank 0's log streamed
#   as this task's log; the job's outcome is the exit code: 0 complete, 1 failed (the reason
#   printed), 2 refused by the API server. Suspended: waits for it to resume.
#   {"manifest": {...}, "serve": {"file": "STEP/.serve.json", "outputs": "STEP/.served.json", "deadlineSeconds": 600}}
#   An InferenceService: its storageUri made from the model folder the step saved (the claim this
#   pod mounts there), applied (replacing one of the same name), awaited until Ready (1 after the
#   deadline), sent one v1 :predict request with the step's sample; the URL and the answer go to
#   the outputs file. An answer other than the notebook's own predictions fails the task.
import hashlib
import json
import os
import signal
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ACCOUNT = os.environ.get("CELLPIPE_SERVICE_ACCOUNT", "/var/run/secrets/kubernetes.io/serviceaccount")
POLL_SECONDS = float(os.environ.get("CELLPIPE_LAUNCH_POLL_SECONDS", "5"))
PLURALS = {"TrainJob": "trainjobs", "PyTorchJob": "pytorchjobs", "InferenceService": "inferenceservices"}
# The condition that ends a job well, by kind (Trainer v2: Complete; Training Operator v1: Succeeded).
DONE = {"TrainJob": "Complete", "PyTorchJob": "Succeeded"}
EXIT_FAILED = 1
EXIT_REFUSED = 2


def say(message):
    print("cellpipe: " + message, file=sys.stderr, flush=True)


class ApiError(Exception):
    def __init__(self, code, status):
        self.code = code
        self.reason = status.get("reason", "")
        super().__init__("%s %s: %s" % (code, self.reason, status.get("message", "")))


class Kubernetes:
    """The API server this pod's service account reaches."""

    def __init__(self):
        self.base = os.environ.get("CELLPIPE_KUBERNETES_API") or "https://%s:%s" % (
            os.environ["KUBERNETES_SERVICE_HOST"],
            os.environ.get("KUBERNETES_SERVICE_PORT", "443"),
        )
        with open(os.path.join(ACCOUNT, "token")) as f:
            self.token = f.read().strip()
        with open(os.path.join(ACCOUNT, "namespace")) as f:
            self.namespace = f.read().strip()
        ca = os.path.join(ACCOUNT, "ca.crt")
        self.context = ssl.create_default_context(cafile=ca) if self.base.startswith("https:") else None

    def open(self, method, path, body=None, query=None, content_type="application/json"):
        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", "Bearer " + self.token)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            return urllib.request.urlopen(request, context=self.context)
        except urllib.error.HTTPError as error:
            try:
                status = json.loads(error.read().decode() or "{}")
            except ValueError:
                status = {}
            raise ApiError(error.code, status) from None

    def call(self, method, path, body=None, query=None, content_type="application/json"):
        with self.open(method, path, body, query, content_type) as response:
            return json.loads(response.read().decode() or "null")


def resource_path(namespace, manifest, name=None):
    group_version = manifest["apiVersion"]
    path = "/apis/%s/namespaces/%s/%s" % (group_version, namespace, PLURALS[manifest["kind"]])
    return path + ("/" + name if name else "")


def own_pod(api):
    return api.call("GET", "/api/v1/namespaces/%s/pods/%s" % (api.namespace, os.environ["HOSTNAME"]))


def own_claims(pod):
    """{mountPath: claim} of the persistent volume claims this pod's task container mounts."""
    volumes = pod["spec"].get("volumes", [])
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in volumes if "persistentVolumeClaim" in v}
    containers = pod["spec"]["containers"]
    # Argo's and KFP's pods run the task in "main" (beside Argo's "wait").
    container = next((c for c in containers if c["name"] == "main"), containers[0])
    mounts = container.get("volumeMounts", [])
    return {m["mountPath"].rstrip("/") or "/": claims[m["name"]] for m in mounts if m["name"] in claims}


def conditions(obj):
    return {c.get("type"): c for c in (obj.get("status") or {}).get("conditions", []) if c.get("status") == "True"}


def pod_specs(manifest):
    """The pod specs of a job manifest (TrainJob's runtime patch, PyTorchJob's replicas)."""
    if manifest["kind"] == "TrainJob":
        for patch in manifest["spec"].get("runtimePatches", []):
            for job in patch["trainingRuntimeSpec"]["template"]["spec"]["replicatedJobs"]:
                yield job["template"]["spec"]["template"]["spec"]
    else:
        for replica in manifest["spec"]["pytorchReplicaSpecs"].values():
            yield replica["template"]["spec"]


def prepare_job(launch, pod):
    """The job to create: a name unique to this pod, owned by it, its variables and claims."""
    manifest = launch["manifest"]
    suffix = hashlib.sha1(pod["metadata"]["uid"].encode()).hexdigest()[:5]
    manifest["metadata"]["name"] = "%s-%s" % (manifest["metadata"]["name"], suffix)
    manifest["metadata"]["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "Pod", "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]}
    ]
    forwarded = [{"name": n, "value": os.environ[n]} for n in launch.get("forwardEnv", []) if n in os.environ]
    if manifest["kind"] == "TrainJob":
        manifest["spec"]["trainer"]["env"] = forwarded + manifest["spec"]["trainer"].get("env", [])
        manifest["spec"]["trainer"]["command"] += sys.argv[1:]
    claims = own_claims(pod)
    for spec in pod_specs(manifest):
        for volume in spec.get("volumes", []):
            mounts = [m for c in spec["containers"] for m in c.get("volumeMounts", [])]
            mount = next((m["mountPath"] for m in mounts if m["name"] == volume["name"]), None)
            if mount in claims:
                volume["persistentVolumeClaim"]["claimName"] = claims[mount]
        if manifest["kind"] == "PyTorchJob":
            for container in spec["containers"]:
                container["env"] = forwarded + container.get("env", [])
                container["command"] += sys.argv[1:]
    return manifest


class RankZeroLog(threading.Thread):
    """Streams rank 0's log (each of its pods once, a restarted one again) to this task's stdout."""

    def __init__(self, api, selector, container):
        super().__init__(daemon=True)
        self.api, self.selector, self.container = api, selector, container
        self.finished = threading.Event()
        self.streamed = set()

    def run(self):
        while True:
            ending = self.finished.is_set()
            try:
                path = "/api/v1/namespaces/%s/pods" % self.api.namespace
                pods = self.api.call("GET", path, query={"labelSelector": self.selector})
                for pod in pods.get("items", []):
                    uid = pod["metadata"]["uid"]
                    started = (pod.get("status") or {}).get("phase") in ("Running", "Succeeded", "Failed")
                    if uid not in self.streamed and started:
                        self.streamed.add(uid)
                        self.stream(pod["metadata"]["name"])
            except (ApiError, OSError) as error:
                say("rank 0's log: %s" % error)
            if ending:
                return
            self.finished.wait(POLL_SECONDS)

    def stream(self, name):
        path = "/api/v1/namespaces/%s/pods/%s/log" % (self.api.namespace, name)
        with self.api.open("GET", path, query={"follow": "true", "container": self.container}) as response:
            for line in response:
                sys.stdout.write(line.decode("utf-8", "replace"))
                sys.stdout.flush()


def run_job(api, launch):
    pod = own_pod(api)
    manifest = prepare_job(launch, pod)
    kind, name = manifest["kind"], manifest["metadata"]["name"]
    path = resource_path(api.namespace, manifest, name)
    try:
        api.call("POST", resource_path(api.namespace, manifest), manifest, query={"fieldValidation": "Strict"})
        say("created %s %s" % (kind, name))
    except ApiError as error:
        if error.code != 409:
            say("the API server refused %s %s: %s" % (kind, name, error))
            return EXIT_REFUSED
        say("%s %s exists (this task restarted): waiting for it" % (kind, name))

    def stop(signum, frame):
        try:
            api.call("DELETE", path, query={"propagationPolicy": "Background"})
            say("deleted %s %s" % (kind, name))
        finally:
            sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    rank_zero = launch["rankZero"]
    labels = dict(rank_zero["labels"], **{rank_zero["jobNameLabel"]: name})
    selector = ",".join("%s=%s" % item for item in sorted(labels.items()))
    log = RankZeroLog(api, selector, rank_zero["container"])
    log.start()
    suspended = False
    try:
        while True:
            job = api.call("GET", path)
            true = conditions(job)
            if DONE[kind] in true:
                say("%s %s: %s" % (kind, name, true[DONE[kind]].get("message") or "complete"))
                return 0
            if "Failed" in true:
                failed = true["Failed"]
                say("%s %s failed (%s): %s" % (kind, name, failed.get("reason", ""), failed.get("message", "")))
                return EXIT_FAILED
            if ("Suspended" in true) != suspended:
                suspended = not suspended
                say("%s %s is %s" % (kind, name, "suspended: waiting until it is resumed" if suspended else "resumed"))
            time.sleep(POLL_SECONDS)
    finally:
        log.finished.set()
        log.join()


def run_serve(api, launch):
    serve = launch["serve"]
    data = os.environ["CELLPIPE_DATA_DIR"]
    with open(os.path.join(data, serve["file"])) as f:
        saved = json.load(f)
    claims = own_claims(own_pod(api))
    folder = saved["path"].rstrip("/")
    mount = max((m for m in claims if folder == m or folder.startswith(m + "/")), key=len, default=None)
    if mount is None:
        say("the model folder %s is on no claim this pod mounts: KServe cannot read it" % folder)
        return EXIT_FAILED
    manifest = launch["manifest"]
    name = manifest["metadata"]["name"]
    relative = folder[len(mount) :].lstrip("/")
    manifest["spec"]["predictor"]["model"]["storageUri"] = "pvc://%s/%s" % (claims[mount], relative)
    path = resource_path(api.namespace, manifest, name)
    try:
        try:
            api.call("POST", resource_path(api.namespace, manifest), manifest, query={"fieldValidation": "Strict"})
            say("created InferenceService %s" % name)
        except ApiError as error:
            if error.code != 409:
                raise
            patch = {"metadata": {"labels": manifest["metadata"].get("labels", {})}, "spec": manifest["spec"]}
            merge = "application/merge-patch+json"
            api.call("PATCH", path, patch, query={"fieldValidation": "Strict"}, content_type=merge)
            say("replaced InferenceService %s" % name)
    except ApiError as error:
        say("the API server refused InferenceService %s: %s" % (name, error))
        return EXIT_REFUSED
    deadline = time.monotonic() + serve.get("deadlineSeconds", 600)
    while True:
        service = api.call("GET", path)
        true = conditions(service)
        if "Ready" in true:
            break
        if time.monotonic() >= deadline:
            waiting = [
                "%s: %s" % (c.get("type"), c.get("message") or c.get("reason") or c.get("status"))
                for c in (service.get("status") or {}).get("conditions", [])
            ]
            seconds = serve.get("deadlineSeconds", 600)
            waited = "; ".join(waiting) or "no status yet"
            say("InferenceService %s is not Ready after %ss (%s)" % (name, seconds, waited))
            return EXIT_FAILED
        time.sleep(POLL_SECONDS)
    status = service["status"]
    url = (status.get("address") or {}).get("url") or status["url"]
    say("InferenceService %s is Ready at %s" % (name, status.get("url") or url))
    prediction = None
    if saved.get("instances") is not None:
        request = urllib.request.Request(
            "%s/v1/models/%s:predict" % (url.rstrip("/"), name),
            data=json.dumps({"instances": saved["instances"]}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request) as response:
            prediction = json.loads(response.read().decode())["predictions"]
        print("%s answered %s" % (name, json.dumps(prediction)), flush=True)
    with open(os.path.join(data, serve["outputs"]), "w") as f:
        json.dump({"name": name, "url": status.get("url") or url, "status": "Ready", "prediction": prediction}, f)
    if prediction is not None and prediction != saved.get("predictions"):
        expected = saved.get("predictions")
        say("the served model answered %s where the notebook's model.predict says %s" % (prediction, expected))
        return EXIT_FAILED
    return 0


def main():
    launch = json.loads(os.environ["CELLPIPE_LAUNCH"])
    if len(sys.argv) > 1:
        os.environ["CELLPIPE_DATA_DIR"] = sys.argv[1]
    api = Kubernetes()
    try:
        return run_serve(api, launch) if "serve" in launch else run_job(api, launch)
    except ApiError as error:
        say("the API server answered %s" % error)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
