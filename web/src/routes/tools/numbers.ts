/**
 * Whole numbers typed into forms. GraphQL refuses a string where an Int goes without saying
 * which field, so the form checks the shape itself and leaves the limits to the server.
 */
export type Parsed = { ok: true; value: number | null } | { ok: false };

/**
 * "" → null; "12000", "12 000" or "12,000" (thousands typed as the app shows them) → 12000;
 * "2.5" or "abc" are not whole numbers.
 */
export function parseWhole(text: string): Parsed {
  const cleaned = text.replace(/[\s\u00a0\u202f'’]/g, "");
  if (cleaned === "") return { ok: true, value: null };
  if (/^-?\d+$/.test(cleaned)) return { ok: true, value: Number(cleaned) };
  if (/^-?\d{1,3}([,.]\d{3})+$/.test(cleaned)) return { ok: true, value: Number(cleaned.replace(/[,.]/g, "")) };
  return { ok: false };
}

/** A decimal number as typed on a tablet: "0,04" and "0.04" both count. */
export function parseDecimal(text: string): Parsed {
  const cleaned = text.replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
  if (cleaned === "") return { ok: true, value: null };
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(cleaned)) return { ok: false };
  return { ok: true, value: Number(cleaned) };
}
