import { describe, expect, it } from "vitest";
import * as errors from "../../functions/pod-routes/core/errors.js";

/** The bundle is minified: an error's name must come from its class's own declaration, and match it. */
describe("pod-routes' errors", () => {
  const classes = (Object.entries(errors) as Array<[string, unknown]>).filter(
    (entry): entry is [string, new (...args: never[]) => Error] =>
      typeof entry[1] === "function" && entry[1].prototype instanceof errors.PodRoutesError,
  );

  it.each(classes)("%s is named as its class", (exported, ErrorClass) => {
    const error = Reflect.construct(ErrorClass, [[], "", "", ""]) as Error;
    expect(error.name).toBe(exported);
    expect(error).toBeInstanceOf(errors.PodRoutesError);
  });

  it("are all checked here", () => {
    expect(classes.length).toBeGreaterThanOrEqual(13);
  });
});
