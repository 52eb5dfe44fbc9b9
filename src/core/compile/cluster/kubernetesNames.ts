/**
 * Kubernetes name and value formats, and sanitising user text into them. Patterns follow
 * k8s.io/apimachinery/pkg/util/validation.
 */
import { dnsLabel as pipelineDnsLabel } from '../../pipeline';

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** A Kubernetes quantity (resource.Quantity), e.g. 500m, 4Gi, 1.5, 1e3. */
const QUANTITY = /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|[KMGTPE]i|[numkMGTPE])?$/;
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Argo's pattern for parameter names. */
export const ARGO_PARAMETER_NAME = /^[-a-zA-Z0-9_]+$/;

/** `prefix/name` label and annotation keys, resource names (`nvidia.com/gpu`). */
export function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? null : key.slice(0, slash);
  if (name.length > 63 || !QUALIFIED_NAME_PART.test(name)) {
    return false;
  }
  return prefix === null || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
}

export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

/** DNS-1123 labels come from the pipeline stage, which names steps the same way. */
export function dnsLabel(text: string, max: number, fallback = 'pipeline'): string {
  return pipelineDnsLabel(text, max, fallback);
}

/** Seconds of a duration as the `timeout:` tag writes it: `90`, `1.5`, `90s`, `30m`, `1h30m`. */
export function durationSeconds(duration: string): number | null {
  if (/^\d+(\.\d+)?$/.test(duration)) {
    return Math.ceil(Number(duration));
  }
  const match = /^(?=\d)(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!match) {
    return null;
  }
  const [, h, m, s] = match.map(part => Number(part ?? 0));
  return h * 3600 + m * 60 + s;
}
