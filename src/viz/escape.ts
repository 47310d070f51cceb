/**
 * Text inside SVG is XML: a token such as `<unk>` or a label with `&` must be escaped, or the picture does
 * not parse at all (browsers show an error page instead of a half-drawn image).
 */

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escape text for use inside SVG/XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
}

/** Rough width of a string in the default sans-serif font: 0.6 em per character (no font metrics without a DOM). */
export function textWidth(s: string, fontSize: number): number {
  return s.length * fontSize * 0.6;
}

/** A coordinate written with at most 2 decimals, so the files stay small and diff cleanly. */
export function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}
