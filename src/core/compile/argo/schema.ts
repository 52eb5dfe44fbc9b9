/**
 * A strict JSON schema (draft-07, for ajv) of the Workflow fields cellpipe emits, mirroring
 * argo/types.ts: `additionalProperties: false` everywhere, so a field cellpipe did not mean to
 * emit (or a misspelling) fails validation. Names follow Argo's and Kubernetes' own patterns.
 */
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } };
const strict = (properties: Record<string, unknown>, required: string[] = []): Record<string, unknown> => ({
  type: 'object',
  additionalProperties: false,
  properties,
  required
});
const metadataMaps = strict({ labels: STRING_MAP, annotations: STRING_MAP });
const quantityMap = {
  type: 'object',
  additionalProperties: { type: 'string', pattern: '^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|[KMGTPE]i|[numkMGTPE])?$' }
};
const intString = { type: 'string', pattern: '^[0-9]+$' };
/** A user or group id: Kubernetes takes an int64 of 0 or more. */
const unixId = { type: 'integer', minimum: 0 };

const envVar = strict(
  {
    name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    value: { type: 'string' },
    valueFrom: strict(
      {
        secretKeyRef: strict({ name: { type: 'string', minLength: 1 }, key: { type: 'string', minLength: 1 }, optional: { type: 'boolean' } }, [
          'name',
          'key'
        ])
      },
      ['secretKeyRef']
    )
  },
  ['name']
);
const volumeMount = strict(
  { name: { type: 'string', pattern: DNS_LABEL }, mountPath: { type: 'string', pattern: '^/' }, readOnly: { type: 'boolean' } },
  ['name', 'mountPath']
);
const toleration = strict({
  key: { type: 'string' },
  operator: { enum: ['Exists', 'Equal'] },
  value: { type: 'string' },
  effect: { enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
  tolerationSeconds: { type: 'integer' }
});
const templateName = { type: 'string', pattern: DNS_LABEL, maxLength: 63 };
const parameterName = { type: 'string', pattern: '^[-a-zA-Z0-9_]+$' };

const template = strict(
  {
    name: templateName,
    metadata: metadataMaps,
    dag: strict(
      {
        tasks: {
          type: 'array',
          minItems: 1,
          items: strict(
            {
              name: templateName,
              template: templateName,
              dependencies: { type: 'array', items: templateName },
              withParam: { type: 'string', minLength: 1 },
              arguments: strict(
                { parameters: { type: 'array', items: strict({ name: parameterName, value: { type: 'string' } }, ['name', 'value']) } },
                ['parameters']
              )
            },
            ['name', 'template']
          )
        }
      },
      ['tasks']
    ),
    script: strict(
      {
        image: { type: 'string', minLength: 1, pattern: '^\\S+$' },
        command: { type: 'array', minItems: 1, items: { type: 'string' } },
        source: { type: 'string' },
        env: { type: 'array', items: envVar },
        resources: strict({ limits: quantityMap, requests: quantityMap }),
        volumeMounts: { type: 'array', items: volumeMount }
      },
      ['image', 'command', 'source']
    ),
    inputs: strict({ parameters: { type: 'array', items: strict({ name: parameterName }, ['name']) } }, ['parameters']),
    parallelism: { type: 'integer', minimum: 1 },
    failFast: { type: 'boolean' },
    outputs: strict(
      {
        parameters: {
          type: 'array',
          items: strict(
            {
              name: parameterName,
              valueFrom: strict({ path: { type: 'string', pattern: '^/' }, default: { type: 'string' } }, ['path'])
            },
            ['name', 'valueFrom']
          )
        }
      },
      ['parameters']
    ),
    retryStrategy: strict({ limit: intString, retryPolicy: { enum: ['OnFailure', 'OnError', 'Always'] } }, ['limit']),
    activeDeadlineSeconds: intString,
    nodeSelector: STRING_MAP,
    tolerations: { type: 'array', items: toleration },
    securityContext: strict({ runAsUser: unixId, runAsGroup: unixId, runAsNonRoot: { type: 'boolean' } })
  },
  ['name']
);

export const ARGO_WORKFLOW_SCHEMA = strict(
  {
    apiVersion: { const: 'argoproj.io/v1alpha1' },
    kind: { enum: ['Workflow', 'WorkflowTemplate'] },
    metadata: strict({
      generateName: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?-$', maxLength: 58 },
      name: { type: 'string', pattern: DNS_LABEL, maxLength: 63 },
      namespace: { type: 'string', pattern: DNS_LABEL, maxLength: 63 },
      labels: STRING_MAP,
      annotations: STRING_MAP
    }),
    spec: strict(
      {
        entrypoint: templateName,
        arguments: strict(
          {
            parameters: {
              type: 'array',
              items: strict({ name: { type: 'string', pattern: '^[-a-zA-Z0-9_]+$' }, value: { type: 'string' }, description: { type: 'string' } }, [
                'name'
              ])
            }
          },
          ['parameters']
        ),
        serviceAccountName: { type: 'string', pattern: DNS_LABEL },
        volumeClaimTemplates: {
          type: 'array',
          items: strict(
            {
              metadata: strict({ name: { type: 'string', pattern: DNS_LABEL } }, ['name']),
              spec: strict(
                {
                  accessModes: {
                    type: 'array',
                    minItems: 1,
                    items: { enum: ['ReadWriteOnce', 'ReadWriteMany', 'ReadWriteOncePod', 'ReadOnlyMany'] }
                  },
                  resources: strict({ requests: strict({ storage: quantityMap.additionalProperties }, ['storage']) }, ['requests']),
                  storageClassName: { type: 'string', minLength: 1 }
                },
                ['accessModes', 'resources']
              )
            },
            ['metadata', 'spec']
          )
        },
        volumeClaimGC: strict({ strategy: { enum: ['OnWorkflowSuccess', 'OnWorkflowCompletion'] } }, ['strategy']),
        volumes: {
          type: 'array',
          items: strict(
            {
              name: { type: 'string', pattern: DNS_LABEL },
              persistentVolumeClaim: strict({ claimName: { type: 'string', minLength: 1 }, readOnly: { type: 'boolean' } }, ['claimName'])
            },
            ['name', 'persistentVolumeClaim']
          )
        },
        podGC: strict({ strategy: { enum: ['OnPodSuccess', 'OnPodCompletion', 'OnWorkflowSuccess', 'OnWorkflowCompletion'] } }, ['strategy']),
        podMetadata: metadataMaps,
        templates: { type: 'array', minItems: 1, items: template }
      },
      ['entrypoint', 'templates']
    )
  },
  ['apiVersion', 'kind', 'metadata', 'spec']
);
