/**
 * The container HEALTHCHECK: exits 0 when GET /health on this machine answers 200 within 4 s, else 1.
 * Reads PORT like the server does. Used by the Dockerfile and by CI's production smoke test.
 */
const port = process.env.PORT ?? '8000'
const signal = AbortSignal.timeout(4_000)
fetch(`http://127.0.0.1:${port}/health`, { signal }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
)
