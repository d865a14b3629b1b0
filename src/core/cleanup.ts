// Exit paths: every temp dir, mount and partial output registers an undo here; the CLI runs them on
// normal exit, on error and on SIGINT/SIGTERM, so nothing is left behind whatever way repro stops.

type Undo = () => void | Promise<void>;
const undos = new Map<number, Undo>();
let next = 0;

/** Register an undo; returns a function that unregisters it (call once the thing is handled). */
export function onCleanup(undo: Undo): () => void {
  const id = next++;
  undos.set(id, undo);
  return () => {
    undos.delete(id);
  };
}

/**
 * Run all undos, newest first. A failed undo does not stop the others (a failed unmount must not stop the
 * temp dir removal after it); its error goes to `report` (the CLI prints it under --debug).
 */
export async function runCleanup(report: (err: unknown) => void = () => undefined): Promise<void> {
  const list = [...undos.entries()].reverse();
  undos.clear();
  for (const [, undo] of list) {
    try {
      await undo();
    } catch (err) {
      report(err);
    }
  }
}
