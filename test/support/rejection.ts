/** The error `p` rejects with; throws when it resolves (uvu/assert has no `rejects`). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}
