// tar-stream's extractor, with names and PAX records kept as bytes. tar-stream frames the archive (blocks,
// bodies, padding, GNU long names) but decodes names as UTF-8 and PAX records through its own UTF-8 parser,
// which replaces every invalid byte with EF BF BD. Here names are decoded as Latin-1 (one char per byte,
// nothing lost) and PAX records go through our codec (pax.ts); entryFromHeader turns both back into bytes.
// tar-stream has no hook for its PAX parser, so this instance's `_decodeLongHeader` is replaced; the
// dependency is pinned to an exact version, and test/image/pax.test.ts fails if the hook stops applying.
import tar from 'tar-stream';
import { decodePax } from './pax.js';

/** The internals of tar-stream 3.2's Extract that the hook touches. */
interface ExtractInternals {
  _header: { type: string | null } | null;
  _pax: Record<string, string> | null;
  _paxGlobal: Record<string, string> | null;
  _decodeLongHeader(buf: Buffer): void;
}

/** PAX records as tar-stream stores them (it reads path, linkpath and size from here), values Latin-1. */
function latin1Records(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of decodePax(data)) out[k] = v.toString('latin1');
  return out;
}

/** Header fields (name, linkname, PAX values) come out as Latin-1 strings: see entryFromHeader. */
export function tarExtract(opts: { allowUnknownFormat?: boolean } = {}): tar.Extract {
  const ex = tar.extract({ ...opts, filenameEncoding: 'latin1' } as Parameters<typeof tar.extract>[0]);
  const inner = ex as unknown as ExtractInternals;
  const decodeOthers = inner._decodeLongHeader.bind(ex);
  inner._decodeLongHeader = (buf: Buffer): void => {
    const type = inner._header?.type;
    if (type === 'pax-global-header') inner._paxGlobal = latin1Records(buf);
    else if (type === 'pax-header') inner._pax = { ...(inner._paxGlobal ?? {}), ...latin1Records(buf) };
    else decodeOthers(buf);
  };
  return ex;
}
