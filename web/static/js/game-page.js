/**
 * Entry point of the game page: wires local progress, the game and the leaderboard.
 */

import { required, showNotice } from './dom.js';
import { GameController } from './game.js';
import { LeaderboardController } from './leaderboard.js';
import { ProgressStore } from './store.js';
import { GameView } from './view.js';

const play = required('#play');
const slug = play.dataset.gameSlug;
const metric = play.dataset.metric;

const store = new ProgressStore({ onNotice: showNotice });

/** Shows XP, games played, completed rounds and missed scenarios due for review in the page's progress summary. */
function renderSummary(progress) {
  required('#summary-xp').textContent = String(progress.xp);
  required('#summary-played').textContent = String(progress.games_played);
  required('#summary-completed').textContent = String(progress.completed);
  required('#summary-due').textContent = String(store.dueReviewItems().length);
}
renderSummary(store.progress);
store.subscribe(renderSummary);

const leaderboard = new LeaderboardController({ slug, store });
const game = new GameController({
  view: new GameView(required('#game-stage')),
  store,
  slug,
  metric,
  onRoundFinished: (entry) => {
    leaderboard.offerRound(entry);
    leaderboard.refresh();
  },
});
document.addEventListener('keydown', (event) => game.handleKey(event));

play.classList.add('is-ready');
game.init();
leaderboard.init();
