/**
 * What can rewrite a terminal or a log viewer when printed: C0 and C1 control characters (escape
 * sequences, carriage returns, newlines), DEL, the line and paragraph separators, and the bidirectional
 * overrides and isolates that reorder what follows them. Tag values and names are anyone's text.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The text with each such character written as its escape (`\x1b`, `\u202e`), so it prints as one plain line. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (character) => {
    const code = character.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
