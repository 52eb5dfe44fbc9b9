/**
 * Container image references, by the grammar of github.com/distribution/reference (regexp.go),
 * which containerd, Docker and Kubernetes' image pull use: `[domain[:port]/]path[:tag][@digest]`.
 * A reference that does not match fails as a pod stuck in InvalidImageName (Argo) or a failed
 * task (KFP), after the run started; checked at compile time it is a diagnostic instead.
 */

const ALPHANUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const DOMAIN_NAME_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_NAME_COMPONENT}(?:\\.${DOMAIN_NAME_COMPONENT})*`;
const IPV6_ADDRESS = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN_AND_PORT = `(?:${DOMAIN_NAME}|${IPV6_ADDRESS})(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN_AND_PORT}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::${TAG})?(?:@(${DIGEST}))?$`);

/** reference.go's NameTotalLengthMax. */
const MAX_NAME_LENGTH = 255;
/** Hex digits of the digests go-digest validates (digest.Validate); other algorithms are checked by the grammar only. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** Why `reference` is not an image reference, or null when it is one. */
export function imageReferenceProblem(reference: string): string | null {
  const match = REFERENCE.exec(reference);
  if (!match) {
    return 'it does not follow the image reference grammar [registry[:port]/]name[:tag][@sha256:digest], with a lowercase name';
  }
  if (match[1].length > MAX_NAME_LENGTH) {
    return `its name is longer than ${MAX_NAME_LENGTH} characters`;
  }
  const digest = match[2];
  if (digest) {
    const [algorithm, hex] = digest.split(':');
    const expected = DIGEST_HEX_LENGTH[algorithm];
    if (expected !== undefined && hex.length !== expected) {
      return `its ${algorithm} digest has ${hex.length} hex digits, not ${expected}`;
    }
  }
  return null;
}
