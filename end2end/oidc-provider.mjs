// A real OpenID Connect provider for the tests (integration and Playwright): Node's
// `oidc-provider` (certified by the OpenID Foundation) on 127.0.0.1, with its development
// sign-in pages. Whatever one types as "login" is the account: its subject, and its address
// when it has an "@"; an address whose local part starts "unverified" comes with
// `email_verified: false`. Any password passes.
//
// A second provider runs beside it, a forger: it signs its ID tokens with a key of its own but
// publishes the first provider's key (same key id) as its key set, so the tokens it issues are
// signed by a key that is not the one it claims.
//
//   node oidc-provider.mjs <port, 0 for any> <forger port, 0 for any> <portal origin>...
//
// Client `portal` / secret `portal-secret`, redirect URIs <origin>/auth/oidc/<name>/callback for
// the names `local` and `forged`. Prints "listening on <port> <forger port>" when ready.
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import Provider from "oidc-provider";

const [port, forgerPort, ...origins] = process.argv.slice(2);
if (port === undefined || forgerPort === undefined || origins.length === 0) {
  console.error("usage: node oidc-provider.mjs <port> <forger port> <portal origin>...");
  process.exit(2);
}

const KEY_ID = "test-signing-key";
const signingKey = () => ({
  ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }),
  kid: KEY_ID,
  alg: "RS256",
  use: "sig",
});
const publicPart = ({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use });

async function findAccount(_ctx, id) {
  const login = String(id);
  const email = login.includes("@") ? login.toLowerCase() : undefined;
  return {
    accountId: login,
    async claims() {
      return {
        sub: login,
        email,
        email_verified: email ? !login.startsWith("unverified") : undefined,
        name: email ? email.split("@")[0].replace(/[._-]+/g, " ") : login,
      };
    },
  };
}

function start(listenPort, key, callbackNames) {
  // The issuer needs the port before the provider exists: listen first, then mount it.
  let handle = (_req, res) => res.writeHead(503).end();
  const http = createServer((req, res) => handle(req, res));
  return new Promise((resolve) => {
    http.listen(Number(listenPort), "127.0.0.1", () => {
      const { port } = http.address();
      const provider = new Provider(`http://127.0.0.1:${port}`, {
        clients: [
          {
            client_id: "portal",
            client_secret: "portal-secret",
            redirect_uris: origins.flatMap((origin) =>
              callbackNames.map((name) => `${origin}/auth/oidc/${name}/callback`),
            ),
            grant_types: ["authorization_code"],
            response_types: ["code"],
          },
        ],
        jwks: { keys: [key] },
        findAccount,
        claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
        // The claims go into the ID token itself, as Google's do.
        conformIdTokenClaims: false,
        pkce: { required: () => true },
        cookies: { keys: ["test-only-cookie-key"] },
        features: { devInteractions: { enabled: true } },
      });
      provider.on("server_error", (_ctx, error) => console.error(error));
      handle = provider.callback();
      resolve({ provider, port });
    });
  });
}

const honest = signingKey();
const local = await start(port, honest, ["local"]);
const forger = await start(forgerPort, signingKey(), ["forged"]);
// The forger's key set is the honest provider's public key.
forger.provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === "/jwks") ctx.body = { keys: [publicPart(honest)] };
});
console.log(`listening on ${local.port} ${forger.port}`);
