import wineQuality from '../../tasks/wine-quality.ts';
import { withInRunKnobs } from './in-run-knobs.ts';

/** wine-quality with only the in-run knobs free (see in-run-knobs.ts); bench/in-run.ts uses it. */
export default withInRunKnobs(wineQuality);
