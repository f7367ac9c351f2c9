// An instance's tables and buffers, allocated once when the host creates it.

import { initWindow } from "./scrape";
import { initSeries } from "./series";
import { initSymbols } from "./symbols";
import { initPairs } from "./pairs";
import { initFamilies } from "./families";
import { initSnapshot } from "./snapshot";
import { initLabels } from "./labels";
import { initCanonical } from "./canonical";
import { initResolve } from "./resolve";
import { initEncode } from "./encode";

export function init(maxLineBytes: u32, evictAfterScrapes: u32): void {
  initWindow(maxLineBytes, evictAfterScrapes);
  initSeries();
  initSymbols();
  initPairs();
  initFamilies();
  initSnapshot();
  initLabels();
  initCanonical();
  initResolve();
  initEncode();
}
