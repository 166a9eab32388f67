import { mount } from 'svelte';
import App from './App.svelte';
import { loadModel } from './app/state';

loadModel();
export default mount(App, { target: document.getElementById('app')! });
