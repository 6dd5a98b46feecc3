import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { motoProblem, motoPython } from "./python.mjs";

export interface Moto {
  readonly endpoint: string;
  /** Settles when the server exits, however it ends. */
  readonly exited: Promise<void>;
  stop(): Promise<void>;
}

export interface MotoOptions {
  /** The launcher: moto_server.py beside this file, which adds what moto lacks. */
  readonly launcher?: string;
  readonly host?: string;
  /** 0 or absent: a free port. */
  readonly port?: number;
  /**
   * The emulated account's "Routes per route table" quota, as Service Quotas answers it (moto alone
   * answers AWS's default, 50). Default 1,000, the most AWS grants: room for the largest worlds.
   */
  readonly routesPerTable?: number;
}

const READY_TIMEOUT_MS = 30_000;

/** Python with moto is not there: the message says which Python was tried and how to install moto. */
export class MotoMissingError extends Error {
  override readonly name = "MotoMissingError";
}

/** Starts moto's server (with the project's additions) and waits until it answers. */
export async function startMoto(options: MotoOptions = {}): Promise<Moto> {
  const launcher = options.launcher ?? defaultLauncher();
  const root = resolve(dirname(launcher), "../..");
  const problem = motoProblem(root);
  if (problem !== undefined) throw new MotoMissingError(problem);
  const host = options.host ?? "127.0.0.1";
  // Checked first: a server already on the port would answer the readiness probe in moto's stead.
  const port = options.port ? await portIfFree(host, options.port) : await portIfFree(host, 0);
  const endpoint = `http://${host}:${port}`;
  // Its stdin is a pipe from this process: when this process ends, however it ends, the server exits too.
  const child = spawn(motoPython(root), [launcher, "-H", host, "-p", String(port)], {
    stdio: ["pipe", "ignore", "pipe"],
    env: { ...process.env, EXIT_WITH_STDIN: "1", ROUTES_PER_ROUTE_TABLE: String(options.routesPerTable ?? 1000) },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = once(child, "exit").then(() => undefined);
  let failure: Error | undefined;
  child.once("exit", (code) => {
    failure ??= new Error(`moto server exited with code ${code} before it was ready:\n${stderr}`);
  });
  await waitUntilReady(endpoint, () => failure);
  return { endpoint, exited, stop: () => stop(child) };
}

/** Clears every resource moto holds. */
export async function resetMoto(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
}

function defaultLauncher(): string {
  return fileURLToPath(new URL("moto_server.py", import.meta.url));
}

async function waitUntilReady(endpoint: string, failed: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const failure = failed();
    if (failure) throw failure;
    try {
      if ((await fetch(`${endpoint}/moto-api/data.json`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto server did not answer on ${endpoint} within ${READY_TIMEOUT_MS / 1000}s`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

/** The port (any free one for 0), once nothing listens on it. */
function portIfFree(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`port ${port} on ${host} is taken: choose another (--port), or 0 for any free one`)
          : error,
      ),
    );
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}
