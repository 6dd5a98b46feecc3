import { describe, expect, it } from "vitest";
import { quote } from "../../functions/pod-routes/core/errors.js";
import { printable } from "../../functions/pod-routes/core/printable.js";
import { columns } from "../../scripts/cli/render.js";

describe("printable: anyone's text, printed as one plain line", () => {
  it.each([
    ["a terminal escape sequence", "worker\u001b[2J\u001b[31m", "worker\\x1b[2J\\x1b[31m"],
    ["a carriage return that would overwrite the line", "10.200.1.0/24\rOK", "10.200.1.0/24\\x0dOK"],
    ["a newline that would forge a line", "w1\nkeep 10.200.9.0/24", "w1\\x0akeep 10.200.9.0/24"],
    ["DEL and a C1 control (CSI)", "a\u007fb\u009bc", "a\\x7fb\\x9bc"],
    ["a right-to-left override", "worker-\u202e1-rekrow", "worker-\\u202e1-rekrow"],
    ["a line separator", "a\u2028b", "a\\u2028b"],
    ["plain text, accents and CJK", "worker-1 café 工作", "worker-1 café 工作"],
  ])("escapes %s", (_, text, printed) => {
    expect(printable(text)).toBe(printed);
  });

  it("holds for quoted values in reasons and errors, which JSON alone leaves raw past U+001F", () => {
    expect(quote("10.200.1.0/24\u009b2J\u202e")).toBe('"10.200.1.0/24\\x9b2J\\u202e"');
    expect(quote("a\u001bb")).toBe('"a\\u001bb"');
  });

  it("holds for every cell of the CLI's columns, which stay aligned", () => {
    expect(columns(["NAME", "ID"], [["w\u001b[2J", "i-1"]]).split("\n")).toEqual(["NAME      ID", "w\\x1b[2J  i-1"]);
  });
});
