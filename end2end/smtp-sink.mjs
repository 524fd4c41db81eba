// A real SMTP server for the tests (integration and Playwright): it accepts mail on 127.0.0.1
// and writes each one, parsed, as JSON into a directory (recipients, subject, text, html and the
// header lines). Recipients ask for failures: an address starting "tempfail-once" is answered
// 451 the first time, one starting "reject" 550.
//
//   node smtp-sink.mjs <port, 0 for any> <directory>    prints "listening on <port>" when ready
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

const [port, dir] = process.argv.slice(2);
if (port === undefined || dir === undefined) {
  console.error("usage: node smtp-sink.mjs <port> <directory>");
  process.exit(2);
}
mkdirSync(dir, { recursive: true });

const refusedOnce = new Set();
let received = 0;
const failure = (code, message) => Object.assign(new Error(message), { responseCode: code });

const server = new SMTPServer({
  authOptional: true,
  allowInsecureAuth: true,
  disabledCommands: ["STARTTLS"],
  // Credentials are optional; given, only portal / secret are right (535 otherwise).
  onAuth(auth, _session, callback) {
    if (auth.username === "portal" && auth.password === "secret") return callback(null, { user: "portal" });
    callback(failure(535, "Authentication credentials invalid"));
  },
  logger: false,
  size: 1024 * 1024,
  onRcptTo(address, _session, callback) {
    const to = address.address.toLowerCase();
    if (to.startsWith("reject")) return callback(failure(550, "No such mailbox here"));
    if (to.startsWith("tempfail-once") && !refusedOnce.has(to)) {
      refusedOnce.add(to);
      return callback(failure(451, "Greylisted, try again later"));
    }
    callback();
  },
  onData(stream, session, callback) {
    simpleParser(stream).then((mail) => {
      received += 1;
      const name = join(dir, `${String(received).padStart(6, "0")}.json`);
      const record = {
        envelope_to: session.envelope.rcptTo.map((r) => r.address),
        from: mail.from?.text ?? null,
        to: mail.to?.text ?? null,
        subject: mail.subject ?? null,
        text: mail.text ?? null,
        html: mail.html || null,
        headers: mail.headerLines.map((h) => h.line),
      };
      // Written whole, then renamed: a reader never sees half a mail.
      writeFileSync(`${name}.tmp`, JSON.stringify(record));
      renameSync(`${name}.tmp`, name);
      callback();
    }, callback);
  },
});

server.listen(Number(port), "127.0.0.1", () => {
  console.log(`listening on ${server.server.address().port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
