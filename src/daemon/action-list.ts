/**
 * The actions of one router step, in a list an instance keeps and refills at every step
 * (`Router.stepInto`) instead of a fresh array per step: without a JIT, an array that starts empty
 * allocates a backing store at its first push, and a master steps 255 times a second at 255
 * instances (docs/performance.md, "A master's steady advert allocates almost nothing").
 */
import type { Action, ActionSink } from '../protocol/types.js';

export class ActionList implements ActionSink {
  /** Slots past `length` are undefined: an action performed is not kept alive. */
  /** Room for a step's usual actions; a longer step grows it once (an empty array's first push makes room for 17). */
  readonly #items: (Action | undefined)[] = new Array<Action | undefined>(4);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(action: Action): void {
    this.#items[this.#length++] = action;
  }

  /** The action at `i` (0 <= i < length). */
  at(i: number): Action {
    if (i < 0 || i >= this.#length) throw new RangeError(`action ${i} of ${this.#length}`);
    return this.#items[i]!;
  }

  /** Empties the list, keeping its backing store (setting an array's length to 0 frees it). */
  clear(): void {
    for (let i = 0; i < this.#length; i++) this.#items[i] = undefined;
    this.#length = 0;
  }
}

/**
 * Takes the addVips out of `pending` (a step's actions not yet performed) when it is the only
 * address action there, so that it can be performed ahead of the others (Instance, a timer
 * batch's first tier); undefined, and `pending` untouched, when there is none or a removeVips is
 * there too (the last wish must stay last).
 */
export function takeLoneAddVips(pending: Action[]): Action | undefined {
  let at = -1;
  for (let i = 0; i < pending.length; i++) {
    const kind = pending[i]!.kind;
    if (kind !== 'addVips' && kind !== 'removeVips') continue;
    if (kind === 'removeVips' || at >= 0) return undefined;
    at = i;
  }
  return at < 0 ? undefined : pending.splice(at, 1)[0];
}
