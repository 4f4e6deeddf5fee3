// Interact2Vec (Pires & Almeida, Applied Soft Computing 2025): skip-gram with negative sampling
// where the user is the "word" and every item the user interacted with is a context. Two tables,
// user vectors U and item vectors V, are learned together; a pair scores sigma(U_u . V_j).
// See ALGORITHMS.md Part B section 2 (the model) and section 4 (the word2vec tricks the SGD
// path follows). The sampling and update kernels are in interact2vec_kernels.hpp.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "recforge/csr.hpp"
#include "recforge/interactions.hpp"
#include "recforge/job.hpp"

namespace rf {

enum class I2vInit {
  kUniform,   // U and V ~ U(-initRange, initRange): the reference Keras code (0.05 for both)
  kWord2vec,  // U ~ U(-0.5/dim, 0.5/dim), V = 0: word2vec's syn0 / syn1neg
};

struct Interact2VecConfig {
  int32_t users = 0;
  int32_t items = 0;
  int32_t dim = 64;
  I2vInit init = I2vInit::kUniform;
  double initRange = 0.05;  // kUniform only
  uint64_t seed = 0;
};

struct Interact2VecModel {
  Interact2VecConfig config;
  std::vector<float> users;  // U: users x dim
  std::vector<float> items;  // V: items x dim

  // Seeded initial tables; identical for any thread count. E_INVALID_ARG on a bad config.
  static Interact2VecModel create(const Interact2VecConfig& config, int threads = 0);
};

enum class I2vOptimizer {
  kSgd,   // word2vec: Hogwild SGD over shuffled interactions, linear learning-rate decay
  kAdam,  // the reference: mini-batch Adam (Keras form) on mean BCE + L2 of both whole tables
};

enum class I2vSubsample {
  kOnce,      // one draw before training, every epoch sees the same set (the reference code)
  kPerEpoch,  // a fresh draw every epoch (word2vec)
};

struct Interact2VecOptions {
  int32_t epochs = 10;    // planned epochs: the SGD learning rate decays to its floor over them
  int32_t negatives = 5;  // K negative items per kept interaction
  // Negatives are drawn with probability proportional to (count after subsampling)^alpha, for any
  // real alpha. The default is not word2vec's 0.75: for top-N recommendation that value falls to
  // the popularity baseline (ALGORITHMS.md 2.4); the authors' tuned winners are mostly -0.5.
  double alpha = -0.5;
  double subsample = 0;  // rho of the word2vec keep rule; 0 keeps every interaction
  I2vSubsample subsampleMode = I2vSubsample::kOnce;
  I2vOptimizer optimizer = I2vOptimizer::kSgd;
  double lr = 0.025;        // SGD: initial rate; Adam: the constant rate (Keras default 0.025 in the code)
  double minLrRatio = 1e-4;  // SGD: the rate never falls below lr * minLrRatio (word2vec)
  int32_t batchRows = 8192;  // Adam: rows (positives and negatives mixed) per step
  // Adam: shuffle each epoch's rows before cutting batches (Keras' fit shuffles by default). false
  // streams them in user order (a user's positives, then their negatives), as the reference's data
  // pipeline reads; on ml-100k that order makes the Adam runs oscillate (bench/README.md, issue 5).
  bool shuffleAdamRows = true;
  double l2 = 1e-6;          // Adam: lambda * (||U||_F^2 + ||V||_F^2) added to every step's loss
  double adamBeta1 = 0.9;    // Keras defaults
  double adamBeta2 = 0.999;
  double adamEps = 1e-7;
  // SGD only: weight of the item-item objective (the joint variant: for each kept (u, i) one
  // other item j of u's history is a positive context of i, with K negatives; 0 = off).
  double itemItemWeight = 0;
  // SGD: Hogwild workers (0 = all cores); 1 gives the same bits for the same seed. Adam results
  // do not depend on it.
  int threads = 0;
  uint64_t seed = 0;
};

// E_INVALID_ARG naming the first bad field.
void validateInteract2VecOptions(const Interact2VecOptions& options);

// What every Interact2Vec trainer (CPU and GPU) starts from: the train pairs checked against the
// model (ids, shapes: E_SHAPE; no pairs: E_EMPTY), deduplicated into a user -> items CSR, and the
// per-item keep probabilities of subsampling threshold `subsample` from the item shares.
struct Interact2VecTrainingData {
  Csr userItems;
  std::vector<double> keep;
};
Interact2VecTrainingData prepareInteract2VecTraining(const EdgeView& train, const Interact2VecModel& model,
                                                     double subsample);

struct I2vEpochStats {
  double loss = 0;       // SGD: mean per kept interaction of the tabulated SGNS loss (plus the
                         // weighted item-item loss); Adam: mean over steps of the batch mean BCE
  double reg = 0;        // Adam: lambda * (||U||^2 + ||V||^2) after the epoch; SGD: 0
  int64_t kept = 0;      // interactions trained on this epoch (after subsampling)
  double lastLr = 0;     // SGD: the rate at the end of the epoch; Adam: lr
  int64_t steps = 0;     // Adam: optimizer steps taken this epoch; SGD: 0
};

class FrequencyNegatives;
struct I2vAdamState;
struct CelModel;
struct CelSchedule;
struct CelCounters;

// Holds one training run: the train set as a CSR, keep probabilities, the negative sampler, the
// optimizer state and the epoch counter. The model must outlive it and keep its shape.
class Interact2VecTrainer {
 public:
  // train: (user, item) pairs; repeated pairs count once. E_OUT_OF_RANGE / E_SHAPE / E_EMPTY /
  // E_INVALID_ARG on bad input.
  //
  // With `cel` (clustered embedding tables over this model, see interact2vec_cel.hpp; it must
  // outlive the trainer) the parameters are its cluster rows (and residuals): SGD updates them
  // through the assignments, Adam scatters each step's row gradients into them, and
  // model.users / model.items are kept as their gathered views; `schedule` (default CelSchedule)
  // runs CEL's cluster steps. A step of the schedule is an SGD block of 8192 interactions or an
  // Adam batch.
  Interact2VecTrainer(const EdgeView& train, Interact2VecModel& model, const Interact2VecOptions& options,
                      CelModel* cel = nullptr, const CelSchedule* schedule = nullptr);
  ~Interact2VecTrainer();
  Interact2VecTrainer(const Interact2VecTrainer&) = delete;
  Interact2VecTrainer& operator=(const Interact2VecTrainer&) = delete;

  // Trains the next epoch. Cancellation is checked between batches (Adam) or every few thousand
  // interactions per worker (SGD): E_ABORTED, with the tables partly updated.
  I2vEpochStats trainEpoch(const JobControl& ctl = {});

  int64_t epochsDone() const { return epoch_; }
  const Csr& userItems() const { return userItems_; }
  // Keep probability of each item's interactions (all 1 without subsampling).
  const std::vector<double>& keepProbability() const { return keep_; }
  // What CEL's cluster steps did in this run (nullptr without clustered tables).
  const CelCounters* celCounters() const;

 private:
  void resample(uint64_t round);
  I2vEpochStats sgdEpoch(const JobControl& ctl);
  I2vEpochStats adamEpoch(const JobControl& ctl);

  Interact2VecModel& model_;
  Interact2VecOptions options_;
  Csr userItems_;
  std::vector<double> keep_;
  std::vector<int32_t> keptUsers_, keptItems_;  // the kept interactions, in user order
  std::unique_ptr<FrequencyNegatives> negatives_;
  std::unique_ptr<I2vAdamState> adam_;
  struct Cel;  // interact2vec_cel.cpp
  std::unique_ptr<Cel> cel_;
  int64_t epoch_ = 0;
};

}  // namespace rf
