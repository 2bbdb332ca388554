import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { AccessError, fetchAdmin, readAdminKey, saveAdminKey } from './api.js'
import { EvaluationsPage } from './pages/evaluations.js'
import { HealthPage } from './pages/health.js'
import { PlaygroundPage } from './pages/playground.js'
import { RequestDetailPage } from './pages/request-detail.js'
import { RequestsPage } from './pages/requests.js'
import './styles.css'

/** The page the hash names: #/requests, #/requests/<id>, #/playground, #/evaluations, #/health. */
function readRoute(): string[] {
  const path = location.hash.replace(/^#\/?/, '')
  return path === '' ? ['requests'] : path.split('/').map((part) => decodeURIComponent(part))
}

function LoginForm(props: { message: string; onLogin: () => void }) {
  const [key, setKey] = useState('')
  return (
    <form
      class="login"
      onSubmit={(event) => {
        event.preventDefault()
        saveAdminKey(key.trim())
        props.onLogin()
      }}
    >
      <h1>optiproxy console</h1>
      <p>{props.message}</p>
      <label>
        Admin key
        <input type="password" name="admin-key" autocomplete="current-password" value={key} onInput={(event) => setKey(event.currentTarget.value)} />
      </label>
      <button type="submit">Sign in</button>
      <p class="hint">The key stays in this browser tab's session storage and is sent as a Bearer header.</p>
    </form>
  )
}

function App() {
  const [route, setRoute] = useState(readRoute)
  const [access, setAccess] = useState<'checking' | 'ok' | string>('checking')
  const check = (): void => {
    setAccess('checking')
    fetchAdmin('/v1/optiproxy/health').then(
      () => setAccess('ok'),
      (error: unknown) => setAccess(error instanceof AccessError ? error.message : `The proxy did not answer: ${String(error)}`),
    )
  }
  useEffect(() => {
    const onHash = (): void => setRoute(readRoute())
    addEventListener('hashchange', onHash)
    check()
    return () => removeEventListener('hashchange', onHash)
  }, [])
  if (access === 'checking') return <p class="loading">Connecting…</p>
  if (access !== 'ok') return <LoginForm message={access} onLogin={check} />
  const [page, id] = route
  const link = (target: string, label: string) => (
    <a href={`#/${target}`} class={page === target ? 'active' : ''}>
      {label}
    </a>
  )
  return (
    <div class="shell">
      <nav>
        <strong>optiproxy</strong>
        {link('requests', 'Requests')}
        {link('playground', 'Playground')}
        {link('evaluations', 'Evaluations')}
        {link('health', 'Health')}
        {readAdminKey() === undefined ? null : (
          <button
            type="button"
            class="link"
            onClick={() => {
              saveAdminKey(undefined)
              check()
            }}
          >
            Sign out
          </button>
        )}
      </nav>
      <main>
        {page === 'requests' && id !== undefined ? <RequestDetailPage id={id} /> : null}
        {page === 'requests' && id === undefined ? <RequestsPage /> : null}
        {page === 'playground' ? <PlaygroundPage /> : null}
        {page === 'evaluations' ? <EvaluationsPage name={id} /> : null}
        {page === 'health' ? <HealthPage /> : null}
      </main>
    </div>
  )
}

render(<App />, document.getElementById('app') as HTMLElement)
