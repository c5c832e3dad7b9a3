/**
 * Escaping for attacker-controlled text (header names and values, the request target, PROXY TLVs).
 * Header bytes are attacker bytes: nothing from the wire reaches a terminal or a browser unescaped.
 */

/**
 * Makes text safe to print on a terminal or in a log line: C0 controls, DEL, C1 controls,
 * line/paragraph separators and bidirectional overrides ("Trojan Source", CVE-2021-42574) become visible
 * escapes; a backslash is doubled so every escape is unambiguous.
 *
 * @example escapeControl('a\u001b[31mb') === 'a\\x1b[31mb'
 */
export function escapeControl(text: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const replacement = controlEscape(code);
    if (replacement === undefined) continue;
    out += text.slice(start, i) + replacement;
    start = i + 1;
  }
  return start === 0 ? text : out + text.slice(start);
}

function controlEscape(code: number): string | undefined {
  if (code === 0x5c) return '\\\\';
  if (code === 0x09) return '\\t';
  if (code === 0x0a) return '\\n';
  if (code === 0x0d) return '\\r';
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `\\x${code.toString(16).padStart(2, '0')}`;
  // U+2028/U+2029 end lines in some viewers; U+200E/F, U+202A–E and U+2066–9 reorder what follows.
  if (
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  ) {
    return `\\u{${code.toString(16)}}`;
  }
  return undefined;
}

/**
 * Escapes text for HTML element content and double- or single-quoted attribute values.
 * Control characters are made visible first, so the page shows what was sent.
 *
 * @example escapeHtml('<script>') === '&lt;script&gt;'
 */
export function escapeHtml(text: string): string {
  return escapeHtmlChars(escapeControl(text));
}

/** HTML-escapes `& < > " '` only: for text that escapeControl already made visible. */
export function escapeHtmlChars(visible: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < visible.length; i++) {
    let replacement: string;
    switch (visible.charCodeAt(i)) {
      case 0x26:
        replacement = '&amp;';
        break;
      case 0x3c:
        replacement = '&lt;';
        break;
      case 0x3e:
        replacement = '&gt;';
        break;
      case 0x22:
        replacement = '&quot;';
        break;
      case 0x27:
        replacement = '&#39;';
        break;
      default:
        continue;
    }
    out += visible.slice(start, i) + replacement;
    start = i + 1;
  }
  return start === 0 ? visible : out + visible.slice(start);
}

/** Lower-case hex of bytes, for TLV values. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
