// The analysis service in its own thread: the page posts photos and frames, and never waits on tfjs.
import { expose } from 'comlink';
import { AnalysisService } from './analysisService';

expose(new AnalysisService());
