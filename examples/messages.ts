/**
 * One-time notices (Django's messages framework) on node:http: a POST adds a message and
 * redirects, the next page shows it, and a reload shows it no more. The messages live in the
 * session under `_messages`, in the format Django's SessionStorage reads.
 * Run: `node examples/messages.ts`, then `curl -c jar -b jar -d '' http://127.0.0.1:8004/` and
 * `curl -b jar -c jar http://127.0.0.1:8004/` twice.
 */
import { createServer } from 'node:http';
import { createSessions } from 'coatcheck';
import { getMessages } from 'coatcheck/messages';
import { withSessions } from 'coatcheck/node';
import { memoryStore } from 'coatcheck/stores/memory';

export const sessions = createSessions({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: memoryStore(),
});

export const server = createServer(
  withSessions(sessions, async (req, res, ctx) => {
    const messages = await getMessages(ctx);
    if (req.method === 'POST') {
      messages.success('Subscribed.', { extraTags: 'newsletter' });
      messages.debug('Not kept: below the default level (info).');
      res.writeHead(303, { Location: '/' }).end(); // stored in the session before this leaves
      return;
    }
    // Reading the messages uses them up: the next request finds none.
    const lines = [...messages].map((message) => `[${message.tags}] ${message.message}`);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(`${lines.join('\n') || 'No messages.'}\n`);
  }),
);

if (import.meta.main) server.listen(8004, '127.0.0.1', () => console.log('http://127.0.0.1:8004'));
