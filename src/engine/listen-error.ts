// A listener that cannot bind its address: an operating error the user fixes (another program
// holds the port, a privileged port, an address this machine does not have), reported as one
// line naming the address and the flag that chose it.

const reasons: Record<string, string> = {
  EADDRINUSE: "address already in use",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "no such address on this machine",
};

export class ListenError extends Error {
  override name = "ListenError";

  constructor(what: { host: string; port: number; flag: string }, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const reason = (code === undefined ? undefined : reasons[code]) ?? String((cause as Error | undefined)?.message ?? cause).split("\n")[0];
    super(`Cannot listen on "${what.host}:${what.port}" (${what.flag}): ${reason}`, { cause });
  }
}
