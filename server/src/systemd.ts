import { spawn } from "node:child_process";

/**
 * systemd readiness and watchdog (deploy/systemd/hom.service: Type=notify, WatchdogSec,
 * NotifyAccess=all). Node cannot write to the unix datagram socket in NOTIFY_SOCKET itself, so
 * messages go through `systemd-notify` (part of systemd, present wherever the unit runs), which
 * NotifyAccess=all lets speak for this process. Outside systemd (no NOTIFY_SOCKET) nothing happens.
 */
export interface SystemdNotifier {
  /** READY=1 once the server listens; starts the watchdog pings when WatchdogSec is set. */
  ready(): void;
  /** STOPPING=1 at shutdown; ends the pings. */
  stopping(): void;
}

export function systemdNotifier(env: NodeJS.ProcessEnv = process.env): SystemdNotifier {
  if (!env.NOTIFY_SOCKET) return { ready: () => {}, stopping: () => {} };
  const send = (...args: string[]) => {
    const child = spawn("systemd-notify", [`--pid=${process.pid}`, ...args], { stdio: "ignore", env });
    child.on("error", () => {}); // no systemd-notify: nothing to tell
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    ready() {
      send("--ready", `STATUS=Serving`);
      const usec = Number(env.WATCHDOG_USEC);
      if (Number.isFinite(usec) && usec > 0) {
        // Twice per period, as systemd advises. The ping comes from a timer, so a blocked event
        // loop stops it and systemd restarts HOM.
        timer = setInterval(() => send("WATCHDOG=1"), Math.max(500, usec / 2000));
        timer.unref();
      }
    },
    stopping() {
      if (timer) clearInterval(timer);
      send("STOPPING=1");
    },
  };
}
