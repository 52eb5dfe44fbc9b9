/**
 * Checks a custom resource the way the API server does on create: its CRD's openAPIV3Schema as a
 * strict structural schema (an unknown field refused, as with `fieldValidation=Strict`; types,
 * enums, patterns, bounds), then the CRD's CEL rules on the name, which JSON schema cannot express.
 * The schemas are the JSON in crds/ (crds/README.md says where they come from); both the manifest
 * specs and the fake API server check with this.
 */
import Ajv, { type ValidateFunction } from 'ajv';

type Schema = Record<string, unknown>;

/** The kinds cellpipe creates, and the name rule each one's API enforces. */
export const NAME_RULES: Record<string, { rule: string; check: (name: string) => boolean }> = {
  // trainer.kubeflow.org_trainjobs.yaml: x-kubernetes-validations of the root.
  TrainJob: { rule: 'RFC 1035 DNS label, at most 63 characters', check: isDns1035Label },
  // training-operator's webhook (pkg/webhooks/pytorch): validation.IsDNS1035Label of metadata.name.
  PyTorchJob: { rule: 'RFC 1035 DNS label, at most 63 characters', check: isDns1035Label },
  // KServe's InferenceService webhook (validateInferenceServiceName): a DNS-1035 label.
  InferenceService: { rule: 'RFC 1035 DNS label, at most 63 characters', check: isDns1035Label }
};

export function isDns1035Label(name: string): boolean {
  return name.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

/**
 * The schema as ajv reads it: `additionalProperties: false` on every object that lists its
 * properties (Kubernetes prunes or, strictly, refuses the others) unless it preserves unknown
 * fields; Kubernetes' own keywords (x-kubernetes-*) dropped.
 */
export function structuralSchema(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node.map(structuralSchema);
  }
  if (!node || typeof node !== 'object') {
    return node;
  }
  const schema = node as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-')) {
      continue;
    }
    out[key] =
      key === 'properties' ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, structuralSchema(v)])) : structuralSchema(value);
  }
  if (schema.properties && !('additionalProperties' in schema) && !schema['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

/** A problem of a resource: refused as an unknown field (400 from the API server) or as invalid (422). */
export interface ResourceProblem {
  kind: 'unknown-field' | 'invalid';
  message: string;
}

const compiledSchemas = new WeakMap<Schema, ValidateFunction>();

function validatorOf(schema: Schema): ValidateFunction {
  let validate = compiledSchemas.get(schema);
  if (!validate) {
    // Formats (int32, int64, date-time, byte) are the API server's own checks of numbers and timestamps: not needed to read ours.
    validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(structuralSchema(schema) as Schema);
    compiledSchemas.set(schema, validate);
  }
  return validate;
}

/** Why the API server would refuse `resource` of `kind` under `schema`: [] when it accepts it. */
export function customResourceProblems(kind: string, resource: unknown, schema: Schema): ResourceProblem[] {
  const validate = validatorOf(schema);
  const problems: ResourceProblem[] = [];
  if (!validate(resource)) {
    for (const e of validate.errors ?? []) {
      const path = e.instancePath.slice(1).replace(/\//g, '.');
      if (e.keyword === 'additionalProperties') {
        const field = [path, String(e.params.additionalProperty)].filter(Boolean).join('.');
        problems.push({ kind: 'unknown-field', message: `unknown field "${field}"` });
      } else {
        problems.push({ kind: 'invalid', message: `${path || '<root>'}: ${e.message}` });
      }
    }
  }
  const object = resource as { kind?: unknown; metadata?: { name?: unknown } };
  if (object.kind !== kind) {
    problems.push({ kind: 'invalid', message: `kind: must be ${kind}, not ${JSON.stringify(object.kind)}` });
  }
  const name = object.metadata?.name;
  const rule = NAME_RULES[kind];
  if (typeof name !== 'string' || !rule || !rule.check(name)) {
    problems.push({ kind: 'invalid', message: `metadata.name: ${JSON.stringify(name)} must be a ${rule?.rule ?? 'name'}` });
  }
  return problems;
}
