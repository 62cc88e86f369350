/**
 * NodeId strings as OPC UA writes them: `ns=2;s=Machine.MachineCycleCounter`, `ns=1;i=1001`,
 * `i=2258`, `ns=3;g=<guid>`, `ns=3;b=<base64>`; or with the namespace URI instead of its index,
 * `nsu=http://www.euromap.org/euromap77/;s=…`, which survives a server that renumbers its
 * namespaces and is resolved against the server's namespace array when subscribing.
 *
 * Checked here without node-opcua: loading the client library costs seconds and ~90 MB, paid
 * only once a source is active (see manager.ts).
 */
const SHAPE = /^(?:nsu=([^;]+);|ns=(\d{1,5});)?([isgb])=(.*)$/s;
const GUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const EXAMPLE = "a NodeId such as ns=2;s=Machine.MachineCycleCounter or ns=1;i=1001";

/** Why the text is not a NodeId, or null when it is one. */
export function nodeIdProblem(text: string): string | null {
  const match = SHAPE.exec(text);
  if (!match) return `must be ${EXAMPLE}`;
  const [, uri, ns, type, identifier] = match;
  if (uri !== undefined && uri.trim() !== uri) return "the namespace URI must not start or end with spaces";
  if (ns !== undefined && Number(ns) > 65_535) return "the namespace index must be at most 65535";
  if (identifier === "") return `must be ${EXAMPLE}: the identifier after ${type}= is empty`;
  if (type === "i" && !(/^\d{1,10}$/.test(identifier) && Number(identifier) <= 4_294_967_295)) {
    return "a numeric identifier (i=) must be a whole number from 0 to 4294967295";
  }
  if (type === "g" && !GUID.test(identifier))
    return "a GUID identifier (g=) must look like 09087e75-8e5e-499b-954f-f2a9603db28a";
  if (type === "b" && !BASE64.test(identifier)) return "an opaque identifier (b=) must be base64";
  return null;
}

/** True when the NodeId names its namespace by URI, so the server's namespace array is needed. */
export function usesNamespaceUri(text: string): boolean {
  return text.startsWith("nsu=");
}

/** The NodeId with a namespace index, as node-opcua reads it; throws for a URI the server lacks. */
export function withNamespaceIndex(text: string, namespaceArray: readonly string[] = []): string {
  const match = SHAPE.exec(text);
  if (!match || match[1] === undefined) return text;
  const index = namespaceArray.indexOf(match[1]);
  if (index < 0) throw new Error(`the server has no namespace ${match[1]}`);
  return `ns=${index};${match[3]}=${match[4]}`;
}
