// What a content action returns: new bytes, or why it left the content alone (a warning, never a failure:
// one odd member must not stop the normalization of a whole image).
export type ContentResult = { data: Buffer } | { skip: string };

export interface ContentContext {
  epoch: number;
  /** Absolute image path, for messages. */
  path: string;
  /** Upper bound on bytes an action may expand to (gzip members are inflated to find their end). */
  maxBytes: number;
}
