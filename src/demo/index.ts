export { runDemo, type DemoIo, type DemoOptions, type DemoResult } from './run-demo.js';
