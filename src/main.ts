import { mount } from 'svelte';
import App from './App.svelte';
import { loadModel } from './app/state';

const app = mount(App, { target: document.getElementById('app')! });
setTimeout(loadModel); // a task of its own, after the first render
export default app;
