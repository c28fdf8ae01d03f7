// Projected gradient descent on input embeddings (Madry et al., ICLR 2018), seed 001's attack, untargeted
// against the gold answer: maximise the QA span loss of the gold start and end over an L-infinity ball of
// radius eps around the clean token embeddings, at the attackable positions only (threat_model.h):
//   x_0 = x + U(-eps, eps) (random start) or x;   x_{t+1} = clip_{x, eps}(x_t + alpha * sign(grad L(x_t)))
// repeated from `restarts` random starts, keeping per question the end point with the highest loss.
// eps and alpha are in units of the embedding table's root-mean-square entry unless `absolute`: a budget
// means the same for GPT-2 and for a small model whose embeddings are scaled differently. The gradient of a
// step is averaged over the configs the precision source gives it: one fixed config, one fresh draw of a
// random precision per step (seed 001's "RPI during the attack"), or K draws (expectation over
// transformation, Athalye et al. 2018: the adaptive attack on a randomised defence). With K = 1 it is the
// plain gradient.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "bitswitch/data/batch.h"
#include "bitswitch/model/quant_model.h"
#include "bitswitch/quant/precision.h"

namespace bitswitch::attack {

struct PgdOptions {
    double eps        = 0.1;
    double alpha      = 0.01;
    int steps         = 10;
    int restarts      = 1;
    bool random_start = true;
    bool absolute     = false;  // eps and alpha in embedding units instead of the table's RMS entry
};

/// Named settings: "seed001" = seed 001's attack (eps 0.1, alpha 0.01, 5 steps, absolute units, as it ran
/// on GPT-2's embeddings). InputError naming the known presets otherwise.
PgdOptions pgd_preset(const std::string& name);

/// InputError naming the flag (`flag_prefix` + "eps", ...) unless 0 < eps, 0 < alpha (both finite),
/// 1 <= steps <= 10000 and 1 <= restarts <= 100.
void validate(const PgdOptions& options, const std::string& flag_prefix = "--");

/// sqrt(mean(table^2)): the unit of a relative budget.
double embedding_rms(const torch::Tensor& table);

/// The configs a step's gradient averages over, for restart r and step s (s = steps: the configs the end
/// point's loss is measured at, to pick the best restart).
using StepConfigs = std::function<std::vector<quant::PrecisionConfig>(int restart, int step)>;

struct LossAndGradient {
    torch::Tensor loss;      // (B): each question's QA loss, averaged over the configs
    torch::Tensor gradient;  // (B, T, C): d mean-over-configs loss / d embeddings
};

/// The QA span loss of each example of `batch` from `embeddings` at each config, and its gradient with
/// respect to the embeddings averaged over the configs. Needs the model in eval mode and with the fake
/// engine; the model's parameters get no gradient.
LossAndGradient qa_loss_and_gradient(model::QuantModel& model, const torch::Tensor& embeddings,
                                     const data::Batch& batch,
                                     const std::vector<quant::PrecisionConfig>& configs);

/// What PGD ascends: the loss (B) and its gradient at x for restart r and step s, and the loss at a restart's
/// end point (which restart to keep).
struct PgdObjective {
    std::function<LossAndGradient(const torch::Tensor& x, int restart, int step)> loss_and_gradient;
    std::function<torch::Tensor(const torch::Tensor& x, int restart)> end_loss;
};

/// The PGD iteration itself, for any objective: from `clean` (B, T, C), within eps_abs of it where
/// attackable (B, T) is 1, equal to it elsewhere; restarts keep each row's highest end loss.
torch::Tensor pgd_ascent(const torch::Tensor& clean, const torch::Tensor& attackable,
                         const PgdOptions& options, double eps_abs, double alpha_abs,
                         const PgdObjective& objective, uint64_t seed);

/// Adversarial embeddings (B, T, C) for `batch`: within eps_abs of the clean embeddings at the positions
/// where `attackable` (B, T) is 1, equal to them elsewhere. `seed` drives the random starts. The model's
/// mode and its parameters' requires_grad are restored afterwards.
torch::Tensor pgd_attack(model::QuantModel& model, const data::Batch& batch, const torch::Tensor& attackable,
                         const PgdOptions& options, double eps_abs, double alpha_abs,
                         const StepConfigs& configs, uint64_t seed);

}  // namespace bitswitch::attack
