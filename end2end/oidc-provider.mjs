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
// GitHub's sign-in is plain OAuth 2.0 with a REST API for the user, not OpenID Connect. The first
// provider also answers as a GitHub Enterprise Server would, over its own real OAuth flow:
// /login/oauth/authorize and /login/oauth/access_token lead to its authorization and token
// endpoints, and /api/v3/user and /api/v3/user/emails read the account of a real access token
// in GitHub's documented shape (a numeric id; the address as primary, verified as above).
//
// Clients `portal` / `portal-secret` (secret in a Basic header) and `github-app` / `github-secret`
// (secret in the body, as GitHub takes it); redirect URIs <origin>/auth/oidc/<name>/callback for
// the names `local`, `github` and `forged`. Prints "listening on <port> <forger port>" when ready.
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

const json = (res, status, body) =>
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));

/** The account of a real access token of `provider`, from an `Authorization: Bearer|token` header. */
async function tokenAccount(provider, req) {
  const value = (req.headers.authorization ?? "").replace(/^(Bearer|token) /i, "");
  const token = value && (await provider.AccessToken.find(value));
  return token ? (await findAccount(null, token.accountId)).claims() : undefined;
}

/** GitHub's routes, over the provider's own OAuth flow. */
const GITHUB = {
  "GET /login/oauth/authorize": async (_provider, url, _req, res) => {
    const authorize = new URLSearchParams(url.search);
    authorize.set("response_type", "code");
    authorize.set("scope", "openid email profile");
    res.writeHead(302, { location: `/auth?${authorize}` }).end();
  },
  "POST /login/oauth/access_token": async (_provider, url, req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const answer = await fetch(new URL("/token", url), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    const tokens = await answer.json();
    if (!answer.ok) return json(res, 200, { error: "bad_verification_code", error_description: tokens.error_description });
    json(res, 200, { access_token: tokens.access_token, token_type: "bearer", scope: "read:user,user:email" });
  },
  "GET /api/v3/user": async (provider, _url, req, res) => {
    const claims = await tokenAccount(provider, req);
    if (!claims) return json(res, 401, { message: "Bad credentials" });
    let id = 0;
    for (const c of claims.sub) id = (id * 31 + c.charCodeAt(0)) % 2 ** 31;
    json(res, 200, { id, login: claims.sub.split("@")[0], name: claims.name, email: null });
  },
  "GET /api/v3/user/emails": async (provider, _url, req, res) => {
    const claims = await tokenAccount(provider, req);
    if (!claims) return json(res, 401, { message: "Bad credentials" });
    const emails = claims.email
      ? [
          { email: `noreply-${claims.email}`, primary: false, verified: true, visibility: null },
          { email: claims.email, primary: true, verified: claims.email_verified, visibility: "private" },
        ]
      : [];
    json(res, 200, emails);
  },
};

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
          {
            client_id: "github-app",
            client_secret: "github-secret",
            token_endpoint_auth_method: "client_secret_post",
            redirect_uris: origins.map((origin) => `${origin}/auth/oidc/github/callback`),
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
      const oidc = provider.callback();
      handle = (req, res) => {
        const url = new URL(req.url, `http://127.0.0.1:${port}`);
        const github = GITHUB[`${req.method} ${url.pathname}`];
        if (github) github(provider, url, req, res).catch((error) => res.writeHead(500).end(String(error)));
        else oidc(req, res);
      };
      resolve({ provider, port });
    });
  });
}

const honest = signingKey();
const local = await start(port, honest, ["local", "github"]);
const forger = await start(forgerPort, signingKey(), ["forged"]);
// The forger's key set is the honest provider's public key.
forger.provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === "/jwks") ctx.body = { keys: [publicPart(honest)] };
});
console.log(`listening on ${local.port} ${forger.port}`);
