// Not a benchmark: the transport floor for scale.ts. A bare Node process that does nothing but receive
// the followed bytes over ssh2, as Vigil's engine does: one connection per alias (keepalive every 10 s,
// ssh2's default ciphers, as Vigil's), each running `tail -q -n 0 -F` on that alias's files, every line
// counted and dropped. No mirror, no parsing, no judging: what any Node program pays to hear the appends.
// Prints `lines N` once a second.
//   tsx bench/ssh2-follow-child.ts PORT USER CLIENT_KEY FILES_JSON   (FILES_JSON: one array of paths per alias)

import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';
import { shellWord } from './lib';

const [port, user, keyPath, filesPath] = process.argv.slice(2);
const groups = JSON.parse(readFileSync(filesPath!, 'utf8')) as string[][];
const privateKey = readFileSync(keyPath!);
let lines = 0;
for (const files of groups) {
  const client = new Client();
  client.on('ready', () =>
    client.exec(['tail', '-q', '-n', '0', '-F', ...files].map(shellWord).join(' '), (err, channel) => {
      if (err) {
        process.stderr.write(`ssh2-follow-child: exec failed: ${err.message}\n`);
        process.exit(1);
      }
      channel.on('data', (b: Buffer) => {
        for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++;
      });
      channel.stderr.resume();
      channel.on('close', () => {
        process.stderr.write('ssh2-follow-child: a tail ended\n');
        process.exit(1);
      });
    }),
  );
  client.on('error', (e) => {
    process.stderr.write(`ssh2-follow-child: ${e.message}\n`);
    process.exit(1);
  });
  client.connect({
    host: '127.0.0.1',
    port: Number(port),
    username: user,
    privateKey,
    keepaliveInterval: 10_000,
  });
}
setInterval(() => process.stdout.write(`lines ${lines}\n`), 1000);
