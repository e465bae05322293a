import fashionMnist from '../../tasks/fashion-mnist.ts';
import { withInRunKnobs } from './in-run-knobs.ts';

/** fashion-mnist with only the in-run knobs free (see in-run-knobs.ts); bench/in-run.ts uses it. */
export default withInRunKnobs(fashionMnist);
