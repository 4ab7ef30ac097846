/** Small helpers every folder may use; they import nothing of ours. */
export { didYouMean, editDistance } from './did-you-mean.js';
