// The fine-tuning run: set-up, the step loop's hooks, the final save and evaluation.
#include "bitswitch/train/trainer.h"

#include <cmath>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/attack/pgd.h"
#include "bitswitch/attack/threat_model.h"
#include "bitswitch/core/error.h"
#include "bitswitch/core/fault_point.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/core/stop_signals.h"
#include "bitswitch/eval/classification_eval.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/model/run_folder.h"
#include "bitswitch/model/task_model.h"
#include "bitswitch/ops/matmul.h"
#include "bitswitch/parallel/process_group.h"
#include "bitswitch/train/batch_sampler.h"
#include "bitswitch/train/checkpoints.h"
#include "bitswitch/train/fused_adamw.h"
#include "bitswitch/train/objective.h"
#include "bitswitch/train/planner.h"
#include "bitswitch/train/precision_range_test.h"
#include "bitswitch/train/run_log.h"
#include "bitswitch/train/step_loop.h"
#include "bitswitch/train/task_data.h"

namespace bitswitch::train {
namespace {

namespace fs = std::filesystem;

class Trainer {
  public:
    explicit Trainer(const TrainConfig& config)
        : c_(config), out_(config.output_dir), levels_(levels_of(config)) {}

    TrainResult run() {
        check_output();
        try {
            load_data();
            build_model();
            build_optimizer();
        } catch (...) {  // bad input must not leave a run folder behind: the empty one made above goes
            std::error_code ignored;
            if (made_output_dir_) fs::remove(out_, ignored);
            throw;
        }
        create_output();
        if (resume_) restore_checkpoint();
        model_->train();
        if (c_.prt && !resume_) choose_cyclic_min_bits();
        const auto loop = run_steps();
        if (loop.stopped) stop_after_signal(loop.state);
        TrainResult result{loop.state.done,
                           loop.state.loss_sum / double(std::max<int64_t>(1, loop.state.done)),
                           loop.state.window_loss,
                           loop.seconds,
                           {}};
        if (!loop.interrupted && is_main()) finish(loop, result);  // rank 0 writes the run
        return result;
    }

  private:
    bool is_main() const { return !dp_ || dp_->rank() == 0; }
    void check_output();
    void create_output();
    void load_data();
    void build_model();
    void build_optimizer();
    void restore_checkpoint();
    void choose_cyclic_min_bits();
    StepLoopSettings loop_settings() const;
    StepLoopHooks hooks();
    StepLoopResult run_steps();
    [[noreturn]] void stop_after_signal(const StepLoopState& state);
    StepLoss compute_step(int64_t step);
    void after_step(const StepLoopState& state);
    void save_model(const fs::path& dir) const;
    void save_checkpoint(const StepLoopState& state);
    nlohmann::ordered_json evaluate(int64_t step, bool final);
    nlohmann::ordered_json evaluate_classification(int64_t step, bool final);
    void finish(const StepLoopResult& loop, TrainResult& result);
    TeacherFn make_teacher();
    // Adversarial inputs of a batch at a pass's config; the last argument seeds the random start.
    using AdversarialFn =
        std::function<torch::Tensor(const data::Batch&, const quant::PrecisionConfig&, uint64_t)>;
    AdversarialFn make_adversarial_inputs() const;

    TrainConfig c_;
    fs::path out_;
    std::vector<quant::PrecisionLevel> levels_;   // high to low; static mode: one
    quant::AdapterSet adapters_;                  // what the levels resolve to (LoRA: one adapter per level)
    std::unique_ptr<parallel::DataParallel> dp_;  // null when single-process
    std::unique_ptr<RunLog> log_;
    std::optional<std::pair<int64_t, fs::path>> resume_;
    TaskData data_;
    std::unique_ptr<BatchSampler> sampler_;
    int64_t total_steps_ = 0, start_step_ = 0;
    double loss_sum_before_ = 0.0;
    LrSchedule schedule_;
    std::shared_ptr<model::QuantModel> model_;
    std::optional<model::LoadedModel> teacher_;
    TeacherFn teacher_fn_;
    AdversarialFn adversarial_inputs_;  // unset unless --adversarial
    std::unique_ptr<PrecisionPlanner> planner_;
    std::vector<std::pair<std::string, torch::Tensor>> trainable_;
    std::vector<torch::Tensor> params_;
    std::unique_ptr<FusedAdamW> optimizer_;
    bool made_output_dir_ = false;  // this run created out_ (removed again when the input is bad)
    int stop_signal_      = 0;      // a stop signal every rank has agreed on (compute_step), 0 = none
};

void Trainer::check_output() {
    const auto env = parallel::distributed_env_from_environment();
    if (env.enabled()) {
        dp_ = std::make_unique<parallel::DataParallel>(env, std::chrono::seconds(c_.dist_timeout));
        std::fprintf(stderr, "data parallel: rank %d of %d (gloo, %s:%d)\n", env.rank, env.world_size,
                     env.master_addr.c_str(), env.master_port);
    }
    resume_ = c_.resume ? newest_checkpoint(out_) : std::nullopt;
    if (c_.resume && !resume_) {
        throw InputError(
            fmt::format("--resume: no checkpoint-N folder in {} to continue from", out_.string()));
    }
    if (!c_.resume && !c_.overwrite_output_dir && newest_checkpoint(out_)) {
        throw InputError(
            fmt::format("{} already holds checkpoints: pass --resume to continue that run or "
                        "--overwrite_output_dir to start over",
                        out_.string()));
    }
    std::error_code ec;
    made_output_dir_ = !fs::exists(out_);
    fs::create_directories(out_, ec);
    if (ec) {
        throw InputError(fmt::format("--output_dir {}: cannot create it ({}); choose a folder you can write",
                                     out_.string(), ec.message()));
    }
}

void Trainer::create_output() {
    log_ = std::make_unique<RunLog>(out_, is_main());
    if (!c_.resume && is_main()) {  // a fresh run: nothing of an earlier one may be mistaken for this one's
        log_->start_fresh();
        remove_checkpoints(out_);
    }
    if (is_main()) core::write_file_atomic(out_ / "train_config.json", to_json(c_).dump(2) + "\n");
}

void Trainer::load_data() {
    data_ = load_task_data(c_);
    sampler_ =
        std::make_unique<BatchSampler>(data_.train_count(), data_.batches(), c_.per_device_train_batch_size,
                                       dp_ ? dp_->world_size() : 1, dp_ ? dp_->rank() : 0, uint64_t(c_.seed));
    const double epochs = c_.num_train_epochs * double(sampler_->batches_per_epoch());
    total_steps_ =
        c_.max_steps > 0 ? c_.max_steps : int64_t(std::ceil(epochs / double(c_.gradient_accumulation_steps)));
    const int64_t warmup =
        c_.warmup_steps > 0 ? c_.warmup_steps : int64_t(std::ceil(c_.warmup_ratio * double(total_steps_)));
    schedule_ = {c_.lr_scheduler_type, c_.learning_rate, warmup, total_steps_};
}

void Trainer::build_model() {
    torch::manual_seed(uint64_t(c_.seed));
    // A GLUE run's classifier has the task's classes (STS-B: one output, the score); the base model's own
    // head, if it has one for other classes, is replaced by a fresh one.
    std::vector<std::string> classes;
    if (c_.task) {
        classes = data::glue_task_spec(*c_.task).labels;
        if (classes.empty()) classes = {"score"};
    }
    auto pretrained = model::load_task_model(
        c_.model_name_or_path,
        c_.task ? model::TaskHead::kSequenceClassification : model::TaskHead::kQuestionAnswering, classes);
    model_ = pretrained.model;
    if (pretrained.head_initialized) {
        std::fprintf(stderr, "note: %s has no %s head: it starts from random weights\n",
                     c_.model_name_or_path.c_str(), c_.task ? "classifier for these classes" : "qa_outputs");
    }
    model_->set_quant_settings(c_.quant);
    adapters_ = adapter_set_for(c_, levels_);
    if (c_.finetune == Finetune::kLora) {
        // One adapter per level, or the single shared one (its hyper-parameters: the first level's). A
        // resumed run builds them the same way, in the same order, before it loads their weights: the
        // optimizer's saved moments are matched to parameters by that order.
        std::vector<std::pair<std::string, quant::LoRAOptions>> names;
        if (!adapters_.shared_adapter.empty())
            names.emplace_back(adapters_.shared_adapter, levels_.front().lora);
        else
            for (const auto& l : levels_) names.emplace_back(l.name(), l.lora);
        // Level by level, layer by layer: the order of the adapters' random initial values.
        for (const auto& [name, options] : names) {
            for (const auto& u : model_->units()) {
                if (!u.has_weight() || (u.kind == quant::UnitKind::kHead && !c_.qa_head_lora)) continue;
                model_->linear(u.name)->add_adapter(name, options);
            }
        }
    }
    if (resume_) {
        if (c_.finetune == Finetune::kLora)
            model::load_adapters(*model_, resume_->second);
        else
            model::load_task_weights(*model_, resume_->second / "model.safetensors");
        model::load_quant_ranges(*model_, resume_->second);
    }
    teacher_fn_         = make_teacher();
    adversarial_inputs_ = make_adversarial_inputs();
    trainable_          = mark_trainable(*model_, c_.finetune);
    for (const auto& [n, p] : trainable_) params_.push_back(p);
    planner_ = std::make_unique<PrecisionPlanner>(c_, levels_, adapters_, model_->units(), total_steps_);
    int64_t n_trainable = 0;
    for (const auto& p : params_) n_trainable += p.numel();
    const auto examples = data_.is_glue() ? fmt::format("{} {} rows", data_.train_examples(), task_name(c_))
                                          : fmt::format("{} questions -> {} features", data_.train_examples(),
                                                        data_.train_count());
    std::fprintf(stderr, "train: %s, %lld steps of %d x %d, %s fine-tuning, %lld trainable parameters\n",
                 examples.c_str(), (long long)total_steps_, c_.per_device_train_batch_size,
                 c_.gradient_accumulation_steps, core::enum_name(kFinetuneNames, c_.finetune),
                 (long long)n_trainable);
}

TeacherFn Trainer::make_teacher() {
    if (c_.teacher.empty()) return {};
    if (c_.teacher == "self-fp") {
        // This model at full precision, no dropout, its highest level's (or the shared) adapter.
        return [this](const data::Batch& b) {
            torch::NoGradGuard no_grad;
            const auto config = planner_->self_teacher_config();
            model_->eval();
            auto logits = eval::task_logits(*model_, b, &config);
            model_->train();
            return logits;
        };
    }
    teacher_ = model::LoadedModel::load(c_.teacher);
    teacher_->model().eval();
    for (auto& p : teacher_->model().parameters()) p.set_requires_grad(false);
    return [this](const data::Batch& b) {
        torch::NoGradGuard no_grad;
        return eval::task_logits(teacher_->model(), b, nullptr);
    };
}

void Trainer::build_optimizer() {
    // transformers' grouping: no weight decay on biases and LayerNorm weights (GPT-2's ln_*, RoBERTa's
    // LayerNorm).
    std::vector<torch::Tensor> decay, no_decay;
    for (const auto& [name, p] : trainable_) {
        const bool exempt = name.size() >= 5 && (name.substr(name.size() - 5) == ".bias" ||
                                                 name.find(".ln_") != std::string::npos ||
                                                 name.find("LayerNorm") != std::string::npos);
        (exempt ? no_decay : decay).push_back(p);
    }
    const auto options = [&](double wd) {
        return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(c_.learning_rate)
                                                                .betas({c_.adam_beta1, c_.adam_beta2})
                                                                .eps(c_.adam_epsilon)
                                                                .weight_decay(wd));
    };
    std::vector<torch::optim::OptimizerParamGroup> groups;
    if (!decay.empty()) groups.emplace_back(decay, options(c_.weight_decay));
    if (!no_decay.empty()) groups.emplace_back(no_decay, options(0.0));
    optimizer_ = std::make_unique<FusedAdamW>(groups, torch::optim::AdamWOptions(c_.learning_rate));
}

void Trainer::restore_checkpoint() {
    const auto state = read_checkpoint(resume_->second, *optimizer_);
    start_step_      = state.global_step;
    loss_sum_before_ = state.loss_sum;
    if (c_.prt && state.cyclic_min_bits > 0) planner_->set_cyclic_min_bits(state.cyclic_min_bits);
    log_->drop_after(start_step_, start_step_ == total_steps_);
    std::fprintf(stderr, "resuming from %s (step %lld of %lld)\n", resume_->second.string().c_str(),
                 (long long)start_step_, (long long)total_steps_);
}

void Trainer::choose_cyclic_min_bits() {
    model_->train();
    const auto prt = run_precision_range_test(*model_, params_, *planner_, c_,
                                              [this](int64_t m) { return sampler_->micro_batch(m); });
    planner_->set_cyclic_min_bits(prt.chosen);
    log_->log({{"prt", {{"bits", prt.bits}, {"losses", prt.losses}, {"chosen_min_bits", prt.chosen}}}});
}

StepLoopSettings Trainer::loop_settings() const {
    StepLoopSettings s;
    s.start_step      = start_step_;
    s.total_steps     = total_steps_;
    s.loss_sum_before = loss_sum_before_;
    s.lr              = schedule_;
    s.max_grad_norm   = c_.max_grad_norm;
    s.logging_steps   = c_.logging_steps;
    s.stop_after      = c_.interrupt_after_steps;
    s.report          = is_main();
    return s;
}

StepLoopHooks Trainer::hooks() {
    StepLoopHooks h;
    h.compute = [this](int64_t step) { return compute_step(step); };
    h.log     = [this](const LogWindow& w) {
        const double epoch =
            double(w.step * c_.gradient_accumulation_steps) / double(sampler_->batches_per_epoch());
        log_->log({{"step", w.step},
                   {"loss", w.loss},
                   {"learning_rate", w.learning_rate},
                   {"grad_norm", w.grad_norm},
                   {"epoch", epoch},
                   {"elapsed", w.elapsed}});
    };
    h.after_step     = [this](const StepLoopState& s) { after_step(s); };
    h.stop_requested = [this] {
        if (!dp_ && stop_signal_ == 0) stop_signal_ = core::StopSignals::received();  // no one to agree with
        return stop_signal_ != 0;
    };
    h.nonfinite_advice = [this] {
        const auto last = newest_checkpoint(out_);
        return (last ? fmt::format("The last good checkpoint is {} (resume with --resume). ",
                                   last->second.string())
                     : std::string("No checkpoint was written yet. ")) +
               "Try a lower --learning_rate or --max_grad_norm.";
    };
    return h;
}

// PGD-k on the context embeddings of each pass's batch at the pass's own precision (for --mode random the
// step's sampled config: Double-Win Quant's random precision adversarial training). The budget's unit is
// the embedding table's RMS entry at the start of training. Crafting runs in eval mode with every
// parameter frozen (attack/pgd.h), so it neither uses dropout nor touches the gradients being accumulated;
// random starts are seeded by the run's seed, the micro-batch and the pass, so a resumed run crafts what
// the uninterrupted one would have.
Trainer::AdversarialFn Trainer::make_adversarial_inputs() const {
    if (c_.adversarial == Adversarial::kNone) return {};
    const auto pgd      = c_.adversarial_pgd;
    const double unit   = pgd.absolute ? 1.0 : attack::embedding_rms(model_->token_embedding_table());
    auto model          = model_;
    const uint64_t seed = uint64_t(c_.seed);
    std::fprintf(stderr, "train: adversarial PGD-%d, eps %g, alpha %g (embedding units)\n", pgd.steps,
                 pgd.eps * unit, pgd.alpha * unit);
    return [=](const data::Batch& batch, const quant::PrecisionConfig& config, uint64_t draw) mutable {
        const auto attackable = attack::attackable_in_batch(batch, attack::ThreatModel{});
        return attack::pgd_attack(
            *model, batch, attackable, pgd, pgd.eps * unit, pgd.alpha * unit,
            [&](int, int) { return std::vector<quant::PrecisionConfig>{config}; },
            seed * 0x9E3779B97F4A7C15ull + draw);
    };
}

StepLoss Trainer::compute_step(int64_t step) {
    const auto plan    = planner_->plan(step);
    const double accum = c_.gradient_accumulation_steps;
    const DistillSettings distill{c_.kd_loss, c_.kd_temperature, c_.distill_weight, c_.kd_alpha};
    // The step loss, each pass's QA loss, then whether this process received a stop signal: averaged with
    // the losses, it tells every rank of a data-parallel run to stop after the same step.
    std::vector<double> values(plan.passes.size() + 2, 0.0);
    for (int a = 0; a < c_.gradient_accumulation_steps; ++a) {
        const int64_t micro = step * c_.gradient_accumulation_steps + a;
        const auto batch    = sampler_->micro_batch(micro);
        InputFn inputs;
        uint64_t pass = 0;
        if (adversarial_inputs_) {
            inputs = [&](const data::Batch& b, const quant::PrecisionConfig& config) {
                return adversarial_inputs_(b, config, uint64_t(micro) * 64 + pass++);
            };
        }
        const auto loss = backward_micro_batch(*model_, batch, plan, distill, teacher_fn_, accum, inputs);
        values[0] += loss.total;
        for (size_t i = 0; i < loss.passes.size(); ++i) values[i + 1] += loss.passes[i].task_loss;
    }
    values.back() = core::StopSignals::received() != 0 ? 1.0 : 0.0;
    if (dp_) {
        dp_->average_gradients(params_);
        values = dp_->average(values);  // the logs report the global batch's losses, not rank 0's share
    }
    if (values.back() > 0)
        stop_signal_ = core::StopSignals::received() != 0 ? core::StopSignals::received() : SIGTERM;
    StepLoss out{values[0], {}};
    std::vector<PassLoss> passes;
    for (size_t i = 0; i < plan.passes.size(); ++i) {
        passes.push_back({plan.passes[i].label, values[i + 1]});
        out.parts.emplace_back(plan.passes[i].label, values[i + 1]);
    }
    if (c_.mode != Mode::kStatic) log_->schedule(step + 1, plan, passes);
    return out;
}

void Trainer::after_step(const StepLoopState& state) {
    core::fault_point("step");
    const int64_t done = state.done;
    if (c_.save_steps > 0 && done % c_.save_steps == 0 && done != total_steps_ && is_main())
        save_checkpoint(state);
    if (data_.has_eval() && c_.eval_steps > 0 && done % c_.eval_steps == 0 && done != total_steps_ &&
        is_main()) {
        state.progress->finish();
        evaluate(done, false);
    }
}

void Trainer::save_model(const fs::path& dir) const {
    nlohmann::json run  = quant::to_json(quant::AdapterSet{levels_, adapters_.shared_adapter});
    run["quantization"] = quant::to_json(c_.quant);
    run["training"]     = to_json(c_);
    if (c_.task) {  // a LoRA run's base folder has no classifier: the run says which to build
        run["task"]         = task_name(c_);
        run["class_labels"] = model_->class_labels();
    }
    if (c_.finetune == Finetune::kLora) {
        model::save_lora_run(*model_, dir, fs::absolute(c_.model_name_or_path).string(), run);
        core::fault_point("model.ranges");
    } else {
        model::save_task_model(*model_, dir);
        run["format"]   = "bitswitch-full-run";  // head runs too: the whole model is saved
        run["finetune"] = core::enum_name(kFinetuneNames, c_.finetune);
        core::write_file_atomic(dir / "bitswitch.json", run.dump(2) + "\n");
    }
    model::save_quant_ranges(*model_, dir);
}

void Trainer::save_checkpoint(const StepLoopState& state) {
    const TrainerState s{state.done, state.window_loss, state.loss_sum, planner_->cyclic_w().b_min};
    write_checkpoint(out_, s, *optimizer_, [this](const fs::path& dir) { save_model(dir); });
    prune_checkpoints(out_, c_.save_total_limit);
}

// Stop signals are taken only while steps run: before, nothing is worth saving; after, the run is writing
// its final model, which a kill can cut short without harm (the last checkpoint redoes it on --resume).
StepLoopResult Trainer::run_steps() {
    const core::StopSignals signals("saving a checkpoint after this step");
    return run_step_loop(loop_settings(), *optimizer_, params_, hooks());
}

void Trainer::stop_after_signal(const StepLoopState& state) {
    const auto last = newest_checkpoint(out_);
    if (is_main() && (!last || last->first != state.done)) save_checkpoint(state);
    throw core::Stopped(
        fmt::format("{} after step {} of {}: {} holds checkpoint-{}; continue the run with the same "
                    "command and --resume",
                    core::stop_signal_name(stop_signal_), state.done, total_steps_, out_.string(),
                    state.done),
        stop_signal_);
}

nlohmann::ordered_json Trainer::evaluate(int64_t step, bool final) {
    if (data_.is_glue()) return evaluate_classification(step, final);
    eval::EvalOptions options;
    options.batch_size         = c_.per_device_eval_batch_size;
    options.postprocess        = c_.postprocess;
    options.show_progress      = final;
    const auto configs         = planner_->eval_configs();
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    eval::evaluate_configs(
        *model_, data_.squad_eval, data_.qa_eval, configs, options,
        [&](const quant::PrecisionConfig& config, const eval::EvalResult& r) {
            nlohmann::ordered_json entry{{"step", step}};
            if (configs.size() > 1) entry["precision"] = config.source;
            for (const auto& [k, v] : r.metrics.items()) entry["eval_" + k] = v;
            entry["eval_seconds"] = r.seconds;
            log_->log(entry);
            std::fprintf(stderr, "eval at step %lld%s: EM %.2f F1 %.2f (%.1fs)\n", (long long)step,
                         configs.size() > 1 ? (" at " + config.source).c_str() : "", r.exact_match, r.f1,
                         r.seconds);
            if (final) {
                const auto dir = configs.size() == 1 ? out_ : out_ / ("eval_" + config.source);
                eval::write_eval_outputs(dir, r, {{"precision", config.source}});
            }
            auto metrics         = r.metrics;
            metrics["precision"] = config.source;
            all.push_back(metrics);
        });
    if (final && configs.size() > 1) core::write_file_atomic(out_ / "eval_results.json", all.dump(2) + "\n");
    return configs.size() == 1 ? all[0] : all;
}

nlohmann::ordered_json Trainer::evaluate_classification(int64_t step, bool final) {
    eval::ClassificationEvalOptions options;
    options.batch_size    = c_.per_device_eval_batch_size;
    options.show_progress = final;
    const auto configs    = planner_->eval_configs();
    const auto results =
        eval::evaluate_classifier(*model_, data_.glue_eval, data_.glue_eval_features, configs, options);
    const auto& metrics_of_task = data_.glue_eval.spec().metrics;
    nlohmann::ordered_json all  = nlohmann::ordered_json::array();
    for (size_t i = 0; i < configs.size(); ++i) {
        const auto& r = results[i];
        nlohmann::ordered_json entry{{"step", step}};
        if (configs.size() > 1) entry["precision"] = configs[i].source;
        for (const auto& [k, v] : r.metrics.items()) entry["eval_" + k] = v;
        entry["eval_seconds"] = r.seconds;
        log_->log(entry);
        std::string line;
        for (const auto& m : metrics_of_task) {
            const auto& s = r.scores.at(m);
            line += fmt::format(" {} {:.2f} [{:.2f}, {:.2f}]", m, s.estimate, s.low, s.high);
        }
        std::fprintf(stderr, "eval at step %lld%s:%s (%.1fs)\n", (long long)step,
                     configs.size() > 1 ? (" at " + configs[i].source).c_str() : "", line.c_str(), r.seconds);
        if (final) {
            const auto dir = configs.size() == 1 ? out_ : out_ / ("eval_" + configs[i].source);
            eval::write_classification_outputs(dir, data_.glue_eval, r, {{"precision", configs[i].source}});
        }
        auto metrics         = r.metrics;
        metrics["precision"] = configs[i].source;
        all.push_back(metrics);
    }
    if (final && configs.size() > 1) core::write_file_atomic(out_ / "eval_results.json", all.dump(2) + "\n");
    return configs.size() == 1 ? all[0] : all;
}

void Trainer::finish(const StepLoopResult& loop, TrainResult& result) {
    if (start_step_ < total_steps_) save_checkpoint(loop.state);
    core::fault_point("final.model");
    save_model(out_);
    if (data_.has_eval()) result.eval = evaluate(total_steps_, true);
    core::fault_point("final.results");
    core::write_file_atomic(
        out_ / "train_results.json",
        nlohmann::ordered_json{{"global_step", total_steps_},
                               {"train_loss", result.train_loss},
                               {"train_runtime", result.seconds},
                               {"train_steps_per_second", double(loop.steps_run) / result.seconds},
                               {"train_features", data_.train_count()}}
                .dump(2) +
            "\n");
}

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> mark_trainable(model::QuantModel& model,
                                                                  Finetune finetune) {
    // LoRA: the adapters of every linear, and the heads' own weights (PEFT's modules_to_save); head: the
    // heads' weights alone (such a run has no adapters).
    std::set<const void*> chosen;
    for (const auto& u : model.units()) {
        if (!u.has_weight()) continue;
        const auto layer = model.linear(u.name);
        if (u.kind == quant::UnitKind::kHead) {
            chosen.insert(layer->weight.unsafeGetTensorImpl());
            if (layer->bias.defined()) chosen.insert(layer->bias.unsafeGetTensorImpl());
        }
        for (const auto& [name, adapter] : layer->adapters()) {
            chosen.insert(adapter->A.unsafeGetTensorImpl());
            chosen.insert(adapter->B.unsafeGetTensorImpl());
        }
    }
    std::vector<std::pair<std::string, torch::Tensor>> trainable;
    for (auto& p : model.named_parameters()) {
        const bool train = finetune == Finetune::kFull || chosen.count(p.value().unsafeGetTensorImpl());
        p.value().set_requires_grad(train);
        if (train) trainable.emplace_back(p.key(), p.value());
    }
    return trainable;
}

TrainResult run_training(const TrainConfig& config) {
    validate(config);
    const ops::Bf16ProductsScope products(config.bf16);  // before any weights are touched: fails early
    return Trainer(config).run();
}

}  // namespace bitswitch::train
