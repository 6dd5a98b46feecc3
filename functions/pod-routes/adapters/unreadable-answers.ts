import type { MiddlewareStack } from "@smithy/types";
import { UnreadableAnswerError } from "../core/errors.js";

/** A body that is a web page, not the XML or JSON of an AWS API. */
const WEB_PAGE = /^\s*<(!doctype html|html)/i;

/**
 * Turns the SDK's "XML parse error" on a web-page answer into an error that says what happened: the
 * endpoint is not speaking AWS's API for this call. An emulator lacking a call or filter answers so;
 * AWS itself does not. Registered before the retries, so it sees the last attempt's answer.
 */
export function explainUnreadableAnswers<Input extends object, Output extends object>(client: {
  middlewareStack: MiddlewareStack<Input, Output>;
}): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const body = (error as { $responseBodyText?: unknown }).$responseBodyText;
        if (typeof body !== "string" || !WEB_PAGE.test(body)) throw error;
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        throw new UnreadableAnswerError(
          `${context.commandName ?? "an AWS call"}: the endpoint answered HTTP ${status ?? "?"} with a web page, ` +
            "not an AWS response. An emulator that lacks this call or one of its filters answers so (plain moto " +
            "lacks DescribeRouteTables' route.instance-id filter); `npm run emulator` runs moto with what pod-routes calls.",
          { cause: error },
        );
      }
    },
    { step: "initialize", name: "explainUnreadableAnswers" },
  );
}
