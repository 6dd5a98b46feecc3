import { createHash } from "node:crypto"; import { Agent } from "node:https"; import { Agent as A2 } from "node:http"; import "node:stream"; import "node:os"; import "node:fs"; import "node:async_hooks";
export const h = () => [createHash, Agent, A2];
