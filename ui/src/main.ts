import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { createBackend, toBackendError, type Backend } from './backend';
import { AppState } from './lib/state.svelte';

async function main() {
  const target = document.getElementById('app');
  if (!target) throw new Error('index.html has no #app element');
  let backend: Backend;
  try {
    backend = await createBackend();
  } catch (e) {
    mount(App, { target, props: { app: null, startError: toBackendError(e) } });
    return;
  }
  const app = new AppState(backend);
  mount(App, { target, props: { app } });
  // Failures while loading are shown by the screens; start() does not throw.
  await app.start();
}

void main();
