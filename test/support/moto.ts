import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export interface Moto {
  readonly endpoint: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
/** The Python that has moto installed; MOTO_PYTHON overrides. */
const PYTHON = process.env["MOTO_PYTHON"] ?? "python3";

/**
 * Starts moto's EC2/Auto Scaling server on a free loopback port. A missing moto is an error that
 * says how to install it: the integration tests never silently skip.
 */
export async function startMoto(launcher = fileURLToPath(new URL("moto_server.py", import.meta.url))): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // moto's own server plus the lifecycle actions it lacks (see moto_server.py).
  const child = spawn(PYTHON, [launcher, "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  let failure: Error | undefined;
  child.once("error", (error) => {
    failure = new Error(
      `cannot start ${PYTHON} (${error.message}): the integration tests need Python with moto 5.2 and its server, e.g. pip install "moto[server]==5.2.1"`,
    );
  });
  child.once("exit", (code) => {
    failure ??= new Error(
      `moto server exited with code ${code} before it was ready; the integration tests need Python with moto 5.2 and its server ` +
        `(pip install "moto[server]==5.2.1"), found by MOTO_PYTHON or python3:\n${stderr}`,
    );
  });
  await waitUntilReady(endpoint, () => failure);
  return { endpoint, stop: () => stop(child) };
}

/** Clears every resource moto holds. */
export async function resetMoto(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
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
  throw new Error(`moto_server did not answer on ${endpoint} within ${READY_TIMEOUT_MS / 1000}s`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}
