import { readFileSync } from "node:fs";

/** The shells npm runs a script in: the process that started the emulator is the shell's parent. */
const SHELLS = new Set(["sh", "dash", "bash", "zsh"]);

/**
 * Resolves once whoever started this process has ended, however it ended: its parent, and, when that
 * is the shell `npm run` starts scripts in, the shell's parent (npm) too. npm passes SIGINT and SIGTERM
 * on to the shell, which ends without passing them further, and nothing passes on a SIGKILL: without
 * this, the emulator would outlive npm and keep its port. Polled: no signal says a parent has gone.
 */
export function starterEnded(pollMs = 250): Promise<void> {
  const parent = process.ppid;
  const watched = [parent, ...shellParent(parent)];
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (process.ppid !== parent || !watched.every(alive)) {
        clearInterval(timer);
        resolve();
      }
    }, pollMs);
    timer.unref();
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The parent of `pid` when `pid` is a shell, read from Linux's /proc; elsewhere, nothing. */
function shellParent(pid: number): number[] {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return [];
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read around the last ")".
  const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
  const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  return SHELLS.has(comm) && ppid > 1 ? [ppid] : [];
}
