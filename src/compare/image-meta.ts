// Image-level documents (index / docker manifest.json, manifest, config) compared field by field, in the
// spirit of diffoci's walk: each differing leaf is one `image-metadata` finding naming the field
// ("config.created 2024-01-01T00:00:00Z vs 2024-01-04T10:00:00Z"). Digests and sizes that only point at other
// documents or layers are skipped: they differ whenever what they point at differs, which is reported there.
import type { Image } from '../core/image.js';
import type { Finding } from '../core/finding.js';

/** Fields that are consequences of other differences, per document. */
const SKIP: Record<string, RegExp[]> = {
  index: [/^manifests\[\d+\]\.(digest|size)$/],
  'manifest.json': [/^\[\d+\]\.(Config|Layers(\[\d+\])?|LayerSources.*)$/],
  manifest: [/^config\.(digest|size)$/, /^layers\[\d+\]\.(digest|size)$/],
  config: [/^rootfs\.diff_ids/],
};

/** Past this many fields per document the rest are summed up in one finding. */
const MAX_FIELDS = 40;
const MAX_VALUE = 100;

function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(prefix, '[]');
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) out.set(prefix, '{}');
    for (const k of keys) flatten((value as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  }
}

function parse(bytes: Buffer | undefined): unknown {
  if (!bytes) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return bytes.toString('utf8');
  }
}

function show(v: string | undefined): string {
  if (v === undefined) return '(none)';
  return v.length > MAX_VALUE ? v.slice(0, MAX_VALUE) + '…' : v;
}

/** Field-by-field differences of one document; `[]` when both are absent or equal. */
export function compareDocument(name: string, a: Buffer | undefined, b: Buffer | undefined): Finding[] {
  if (a && b && a.equals(b)) return [];
  if (!a && !b) return [];
  if (!a || !b) {
    // One input has no such document (a docker-archive has no OCI manifest): say so once, not per field.
    return [{ path: '', category: 'image-metadata', code: 'image-field', facts: [{ only: a ? 'a' : 'b', what: name }], detail: '' }];
  }
  const fa = new Map<string, string>();
  const fb = new Map<string, string>();
  flatten(parse(a), '', fa);
  flatten(parse(b), '', fb);
  const skip = SKIP[name] ?? [];
  const fields = [...new Set([...fa.keys(), ...fb.keys()])].filter((k) => fa.get(k) !== fb.get(k) && !skip.some((r) => r.test(k)));
  const findings: Finding[] = fields.slice(0, MAX_FIELDS).map((k) => {
    const field = k.startsWith('[') ? `${name}${k}` : `${name}.${k}`;
    return {
      path: '',
      category: 'image-metadata',
      code: 'image-field',
      facts: [{ field, a: show(fa.get(k)), b: show(fb.get(k)) }],
      detail: `${field}:\n- ${fa.get(k) ?? '(none)'}\n+ ${fb.get(k) ?? '(none)'}`,
    };
  });
  if (fields.length > MAX_FIELDS) {
    const rest = fields.slice(MAX_FIELDS);
    findings.push({
      path: '',
      category: 'image-metadata',
      code: 'image-field',
      facts: [{ note: `${rest.length} more ${name} fields differ` }],
      detail: rest.map((k) => `${name}${k.startsWith('[') ? '' : '.'}${k}`).join('\n'),
    });
  }
  return findings;
}

/** Index (or docker manifest.json), manifest and config of two images. */
export function compareImageMeta(a: Image, b: Image, index = true): Finding[] {
  const indexName = (img: Image): string => (img.kind === 'docker-archive' ? 'manifest.json' : 'index');
  const findings: Finding[] = [];
  // An OCI index and a docker manifest.json are different documents; comparing them field by field says nothing.
  // A fetched reference has no index of its own: the one around skopeo's copy is made by the reader, and a
  // registry keeps tags outside the image (a multi-platform list is compared platform by platform).
  if (index && indexName(a) === indexName(b) && a.kind !== 'reference' && b.kind !== 'reference') findings.push(...compareDocument(indexName(a), a.indexBytes, b.indexBytes));
  findings.push(...compareDocument('manifest', a.manifestBytes, b.manifestBytes));
  findings.push(...compareDocument('config', a.configBytes, b.configBytes));
  return findings;
}
