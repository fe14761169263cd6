/**
 * Compile-only checks of `coatcheck/messages` typing (run by `tsc --noEmit`, never executed):
 * a session or request context typed with the application's own data takes messages too, and
 * levels are integers.
 */
import { getMessages, LEVELS, type Message, MessageStorage } from '../../src/messages/index.ts';
import type { RequestContext } from '../../src/middleware/lifecycle.ts';
import type { Session } from '../../src/session/session.ts';

type Shop = { cart: string[] };

declare const ctx: RequestContext<Shop>;
declare const session: Session<Shop>;

export async function typed(): Promise<void> {
  const messages: MessageStorage = await getMessages(ctx);
  messages.add(LEVELS.success, 'saved', { extraTags: 'cart', safe: false });
  messages.add(35, 'a custom level');
  // @ts-expect-error a level is a number, not its name
  messages.add('success', 'saved');
  // @ts-expect-error the text is a string
  messages.info(42);
  // @ts-expect-error extra tags are one space-separated string
  messages.error('bad', { extraTags: ['a', 'b'] });
  for (const message of messages) {
    const level: number = message.level;
    const tags: string = message.tags;
    const extra: string | null = message.extraTags;
    void [level, tags, extra];
  }
  const list: Message[] = new MessageStorage(session, { level: LEVELS.debug }).read();
  void list;
  // @ts-expect-error LEVELS is read-only
  LEVELS.info = 21;
}
