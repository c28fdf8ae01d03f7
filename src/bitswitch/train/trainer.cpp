// The training loop and its checkpoints.
#include "bitswitch/train/trainer.h"

#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <regex>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/core/progress.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/data/batch.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/model/adapters.h"
#include "bitswitch/model/safetensors.h"
#include "bitswitch/train/distributed.h"
#include "bitswitch/train/lr_schedule.h"
#include "bitswitch/train/objectives.h"

namespace bitswitch::train {
namespace {

namespace fs = std::filesystem;

data::SquadDataset load_dataset(const std::string& path, int64_t max_samples, bool skip_invalid) {
    data::SquadLoadOptions options;
    options.skip_invalid = skip_invalid;
    options.max_examples = max_samples;
    return data::load_squad(path, options);
}

// Newest complete checkpoint-N in `dir` (complete = renamed into place with its trainer_state.json).
std::optional<std::pair<int64_t, fs::path>> newest_checkpoint(const fs::path& dir) {
    std::optional<std::pair<int64_t, fs::path>> best;
    if (!fs::is_directory(dir)) return best;
    static const std::regex name(R"(checkpoint-(\d+))");
    for (const auto& e : fs::directory_iterator(dir)) {
        std::smatch m;
        const std::string n = e.path().filename().string();
        if (!e.is_directory() || !std::regex_match(n, m, name) ||
            !fs::exists(e.path() / "trainer_state.json"))
            continue;
        const int64_t step = std::stoll(m[1]);
        if (!best || step > best->first) best = std::make_pair(step, e.path());
    }
    return best;
}

class Trainer {
  public:
    explicit Trainer(const TrainConfig& config)
        : c_(config), out_(config.output_dir), tok_(load_tokenizer(config)), levels_(levels_of(config)) {}

    TrainResult run();

  private:
    static text::BpeTokenizer load_tokenizer(const TrainConfig& c) {
        return text::BpeTokenizer::load(core::tokenizer_dir_for(c.tokenizer_dir, c.model_name_or_path));
    }

    void build_model(const std::optional<fs::path>& resume_from);
    void build_optimizer();
    data::Batch micro_batch(int64_t micro_index);
    void save_model(const fs::path& dir) const;
    void save_checkpoint(int64_t step, double loss);
    void load_training_state(const fs::path& dir);
    nlohmann::ordered_json evaluate(int64_t step, bool final);
    void log(const nlohmann::ordered_json& entry);
    /// Forward, loss and backward of one micro-batch under the step's plan; returns the weighted loss and
    /// adds each pass's cross-entropy to level_losses.
    double train_micro_batch(const data::Batch& batch, const StepPlan& plan, int64_t step,
                             std::map<std::string, double>& level_losses);
    std::pair<torch::Tensor, torch::Tensor> teacher_logits(const data::Batch& batch);
    void precision_range_test();

    TrainConfig c_;
    fs::path out_;
    text::BpeTokenizer tok_;
    std::vector<quant::PrecisionLevel> levels_;  // high to low; static mode: one
    quant::AdapterSet adapters_;                 // what the levels resolve to (LoRA: one adapter per level)
    std::unique_ptr<PrecisionPlanner> planner_;
    std::unique_ptr<DataParallel> dp_;  // null when single-process
    bool is_main() const { return !dp_ || dp_->rank() == 0; }
    model::Gpt2ForQuestionAnswering teacher_{nullptr};
    data::SquadDataset train_ds_, eval_ds_;
    std::vector<data::QAFeature> train_features_, eval_features_;
    model::Gpt2ForQuestionAnswering model_{nullptr};
    std::vector<std::pair<std::string, torch::Tensor>> trainable_;
    std::unique_ptr<torch::optim::AdamW> optimizer_;
    LrSchedule schedule_;
    int64_t batches_per_epoch_ = 0, start_step_ = 0;
    int64_t cached_epoch_ = -1;
    std::vector<size_t> order_;
};

void Trainer::build_model(const std::optional<fs::path>& resume_from) {
    torch::manual_seed(uint64_t(c_.seed));
    auto loaded = model::load_pretrained(c_.model_name_or_path);
    model_      = loaded.model;
    if (loaded.qa_head_initialized) {
        std::fprintf(stderr, "note: %s has no qa_outputs head: it starts from random weights\n",
                     c_.model_name_or_path.c_str());
    }
    model_->set_quant_options(c_.quant.linear, c_.quant.kv_per_head);
    adapters_ = adapter_set_for(c_, levels_);
    if (c_.finetune == "lora") {
        if (resume_from) {
            model::load_adapters(model_, *resume_from);
        } else {
            // One adapter per level, or the single shared one (its hyper-parameters: the first level's).
            std::vector<std::pair<std::string, quant::LoRAOptions>> names;
            if (!adapters_.shared_adapter.empty())
                names.emplace_back(adapters_.shared_adapter, levels_.front().lora);
            else
                for (const auto& l : levels_) names.emplace_back(l.name(), l.lora);
            for (const auto& [name, options] : names) {
                for (auto& [layer_name, layer] : model_->transformer->linear_layers())
                    layer->add_adapter(name, options);
                if (c_.qa_head_lora) model_->qa_outputs->add_adapter(name, options);
            }
        }
    } else if (resume_from) {
        model::load_weights(model_, *resume_from / "model.safetensors");
    }
    if (resume_from) model::load_quant_ranges(model_, *resume_from);
    if (!c_.teacher.empty() && c_.teacher != "self-fp") {
        auto loaded = model::load_model(c_.teacher);
        teacher_    = loaded.model;
        teacher_->set_precision(model::precision_configs(loaded, {}, {}).front());
        teacher_->eval();
        for (auto& p : teacher_->parameters()) p.set_requires_grad(false);
    }
    trainable_ = mark_trainable(model_, c_.finetune);
}

void Trainer::build_optimizer() {
    // transformers' grouping: no weight decay on biases and LayerNorm weights.
    std::vector<torch::Tensor> decay, no_decay;
    for (const auto& [name, p] : trainable_) {
        const bool exempt = name.size() >= 5 && (name.substr(name.size() - 5) == ".bias" ||
                                                 name.find(".ln_") != std::string::npos);
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
    optimizer_ = std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(c_.learning_rate));
}

data::Batch Trainer::micro_batch(int64_t m) {
    // Micro-batches run through the epochs without a break; epoch e's order is a permutation drawn from
    // a generator seeded with (seed, e), so any step can be re-created from the step number alone. With
    // data parallelism a micro-batch is world_size x B windows of that order and rank r takes the r-th B.
    const int64_t epoch = m / batches_per_epoch_, k = m % batches_per_epoch_;
    if (epoch != cached_epoch_) {
        order_.resize(train_features_.size());
        std::iota(order_.begin(), order_.end(), 0);
        std::mt19937_64 rng(uint64_t(c_.seed) * 1000003u + uint64_t(epoch));
        std::shuffle(order_.begin(), order_.end(), rng);
        cached_epoch_ = epoch;
    }
    const size_t B = size_t(c_.per_device_train_batch_size), W = dp_ ? size_t(dp_->world_size()) : 1,
                 r = dp_ ? size_t(dp_->rank()) : 0;
    size_t first   = size_t(k) * B * W + r * B;
    if (first >= order_.size())
        first = 0;  // the last global batch is short: this rank repeats the epoch's start
    const std::vector<size_t> idx(order_.begin() + int64_t(first),
                                  order_.begin() + int64_t(std::min(order_.size(), first + B)));
    return data::make_batch(train_features_, idx);
}

void Trainer::save_model(const fs::path& dir) const {
    nlohmann::json run  = quant::to_json(quant::AdapterSet{levels_, adapters_.shared_adapter});
    run["quantization"] = quant::to_json(c_.quant);
    run["training"]     = to_json(c_);
    if (c_.finetune == "lora") {
        model::save_lora_run(model_, dir, fs::absolute(c_.model_name_or_path).string(), run);
    } else {
        model::save_pretrained(model_, dir);
        run["format"]   = "bitswitch-full-run";
        run["finetune"] = "full";
        core::write_file_atomic(dir / "bitswitch.json", run.dump(2) + "\n");
    }
    model::save_quant_ranges(model_, dir);
}

void Trainer::save_checkpoint(int64_t step, double loss) {
    // Written into checkpoint-N.tmp, then renamed: a crash leaves either no checkpoint-N or a whole one.
    const fs::path final_dir = out_ / fmt::format("checkpoint-{}", step);
    const fs::path tmp       = out_ / fmt::format("checkpoint-{}.tmp", step);
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    save_model(tmp);
    torch::save(*optimizer_, (tmp / "optimizer.pt").string());
    auto gen = at::detail::getDefaultCPUGenerator();
    torch::Tensor rng_state;
    {
        std::lock_guard<std::mutex> lock(gen.mutex());
        rng_state = gen.get_state();
    }
    model::save_safetensors(tmp / "rng_state.safetensors", {{"cpu_generator", rng_state}});
    core::write_file_atomic(
        tmp / "trainer_state.json",
        nlohmann::ordered_json{
            {"global_step", step}, {"loss", loss}, {"cyclic_min_bits", planner_->cyclic_w().b_min}}
                .dump(2) +
            "\n");
    fs::remove_all(final_dir);
    fs::rename(tmp, final_dir);
}

void Trainer::load_training_state(const fs::path& dir) {
    torch::load(*optimizer_, (dir / "optimizer.pt").string());
    const model::SafetensorsReader rng(dir / "rng_state.safetensors");
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(rng.tensor("cpu_generator"));
}

void Trainer::log(const nlohmann::ordered_json& entry) {
    if (!is_main()) return;
    std::ofstream(out_ / "log.jsonl", std::ios::app) << entry.dump() << "\n";
}

nlohmann::ordered_json Trainer::evaluate(int64_t step, bool final) {
    eval::EvalOptions options;
    options.batch_size         = c_.per_device_eval_batch_size;
    options.postprocess        = c_.postprocess;
    options.show_progress      = final;
    const auto configs         = planner_->eval_configs();
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const auto& config : configs) {
        model_->set_precision(config);
        const auto r = eval::evaluate_qa(model_, eval_ds_, eval_features_, options);
        nlohmann::ordered_json entry{{"step", step}};
        if (configs.size() > 1) entry["precision"] = config.source;
        for (const auto& [k, v] : r.metrics.items()) entry["eval_" + k] = v;
        entry["eval_seconds"] = r.seconds;
        log(entry);
        std::fprintf(stderr, "eval at step %lld%s: EM %.2f F1 %.2f (%.1fs)\n", (long long)step,
                     configs.size() > 1 ? (" at " + config.source).c_str() : "", r.exact_match, r.f1,
                     r.seconds);
        if (final) {
            eval::write_eval_outputs(configs.size() == 1 ? out_ : out_ / ("eval_" + config.source), r,
                                     {{"precision", config.source}});
        }
        auto metrics         = r.metrics;
        metrics["precision"] = config.source;
        all.push_back(metrics);
    }
    if (final && configs.size() > 1) core::write_file_atomic(out_ / "eval_results.json", all.dump(2) + "\n");
    return configs.size() == 1 ? all[0] : all;
}

std::pair<torch::Tensor, torch::Tensor> Trainer::teacher_logits(const data::Batch& b) {
    torch::NoGradGuard no_grad;
    if (teacher_) return teacher_->forward(b.input_ids, b.attention_mask);
    // self-fp: this model at full precision with its highest level's (or the shared) adapter, no dropout.
    const std::string adapter = !adapters_.shared_adapter.empty() ? adapters_.shared_adapter
                                : adapters_.levels.empty()        ? std::string()
                                                                  : levels_.front().name();
    model_->set_precision(
        quant::uniform_config({32, 32, 32}, adapter, model_->transformer->config.n_layer, "fp"));
    model_->eval();
    auto logits = model_->forward(b.input_ids, b.attention_mask);
    model_->train();
    return logits;
}

double Trainer::train_micro_batch(const data::Batch& b, const StepPlan& plan, int64_t step,
                                  std::map<std::string, double>& level_losses) {
    const double accum = c_.gradient_accumulation_steps;
    const auto kind    = kd_loss_named(c_.kd_loss);
    std::pair<torch::Tensor, torch::Tensor> teacher;
    if (!c_.teacher.empty()) teacher = teacher_logits(b);
    std::vector<std::pair<torch::Tensor, torch::Tensor>>
        higher;  // cascade: detached logits of the levels above
    double total = 0.0;
    for (const auto& pass : plan.passes) {
        model_->set_precision(pass.config);
        const auto [s, e] = model_->forward(b.input_ids, b.attention_mask);
        const auto ce     = model::qa_span_loss(s, e, b.start_positions, b.end_positions, b.attention_mask);
        auto loss         = ce;
        if (plan.cascade) {
            for (const auto& [ts, te] : higher)
                loss = loss + c_.distill_weight * distill_loss(s, e, ts, te, kind, c_.kd_temperature);
        }
        if (teacher.first.defined()) {
            loss = loss + c_.distill_weight *
                              distill_loss(s, e, teacher.first, teacher.second, kind, c_.kd_temperature);
        }
        const double v = loss.item<double>();
        if (!std::isfinite(v)) {
            const auto last = newest_checkpoint(out_);
            throw Error(
                fmt::format("step {}{}: the loss is {}; training stopped. {}Try a lower --learning_rate or "
                            "--max_grad_norm.",
                            step + 1, plan.passes.size() > 1 ? " at " + pass.label : "", v,
                            last ? fmt::format("The last good checkpoint is {} (resume with --resume). ",
                                               last->second.string())
                                 : std::string("No checkpoint was written yet. ")));
        }
        // One backward per pass frees its graph before the next level runs; the gradients add up.
        (loss * (pass.weight / accum)).backward();
        if (plan.cascade) higher.emplace_back(s.detach(), e.detach());
        total += v * pass.weight / accum;
        level_losses[pass.label] += ce.item<double>() / accum;
    }
    return total;
}

void Trainer::precision_range_test() {
    std::vector<torch::Tensor> saved, params;
    for (const auto& [n, p] : trainable_) {
        saved.push_back(p.detach().clone());
        params.push_back(p);
    }
    torch::optim::AdamW opt(params, torch::optim::AdamWOptions(c_.learning_rate));
    const auto& w = planner_->cyclic_w();
    std::vector<int> bits;
    std::vector<double> losses;
    int64_t micro = 0;
    for (int b = w.b_min; b <= std::min(w.b_max, 16); ++b) {
        const int a       = c_.cyclic_a_bits_schedule.empty() ? b : c_.cyclic_a_bits_schedule[1];
        const auto config = planner_->cyclic_config(b, a);
        double sum        = 0.0;
        for (int64_t k = 0; k < c_.prt_steps; ++k) {
            for (auto& p : params) p.mutable_grad() = torch::Tensor();
            const auto batch = micro_batch(micro++);
            model_->set_precision(config);
            const auto [s, e] = model_->forward(batch.input_ids, batch.attention_mask);
            const auto loss =
                model::qa_span_loss(s, e, batch.start_positions, batch.end_positions, batch.attention_mask);
            loss.backward();
            opt.step();
            sum += loss.item<double>();
        }
        bits.push_back(b);
        losses.push_back(sum / double(c_.prt_steps));
        std::fprintf(stderr, "precision range test: %d bits, mean loss %.4f over %lld steps\n", b,
                     losses.back(), (long long)c_.prt_steps);
    }
    {
        torch::NoGradGuard no_grad;  // the test must not leave its updates in the run
        for (size_t i = 0; i < params.size(); ++i) params[i].copy_(saved[i]);
    }
    const int chosen = train::precision_range_test(bits, losses, c_.prt_threshold);
    planner_->set_cyclic_min_bits(chosen);
    log({{"prt", {{"bits", bits}, {"losses", losses}, {"chosen_min_bits", chosen}}}});
    std::fprintf(stderr, "precision range test: the cyclic schedule starts at %d bits\n", chosen);
}

TrainResult Trainer::run() {
    const auto env = distributed_env_from_environment();
    if (env.enabled()) {
        dp_ = std::make_unique<DataParallel>(env, std::chrono::seconds(c_.dist_timeout));
        std::fprintf(stderr, "data parallel: rank %d of %d (gloo, %s:%d)\n", env.rank, env.world_size,
                     env.master_addr.c_str(), env.master_port);
    }
    const auto resume_point = c_.resume ? newest_checkpoint(out_) : std::nullopt;
    if (c_.resume && !resume_point) {
        throw InputError(
            fmt::format("--resume: no checkpoint-N folder in {} to continue from", out_.string()));
    }
    if (!c_.resume && !c_.overwrite_output_dir && newest_checkpoint(out_)) {
        throw InputError(
            fmt::format("{} already holds checkpoints: pass --resume to continue that run or "
                        "--overwrite_output_dir to start over",
                        out_.string()));
    }
    fs::create_directories(out_);
    if (!c_.resume && is_main()) {  // a fresh run: nothing of an earlier one may be mistaken for this one's
        fs::remove(out_ / "log.jsonl");
        fs::remove(out_ / "schedule.jsonl");
        for (auto old = newest_checkpoint(out_); old; old = newest_checkpoint(out_))
            fs::remove_all(old->second);
    }
    if (is_main()) core::write_file_atomic(out_ / "train_config.json", to_json(c_).dump(2) + "\n");

    train_ds_       = load_dataset(c_.train_file, c_.max_train_samples, c_.skip_invalid);
    train_features_ = data::build_features(train_ds_, tok_, c_.features);
    if (train_features_.empty()) throw InputError(fmt::format("{}: no training questions", c_.train_file));
    if (!c_.validation_file.empty()) {
        eval_ds_       = load_dataset(c_.validation_file, c_.max_eval_samples, c_.skip_invalid);
        eval_features_ = data::build_features(eval_ds_, tok_, c_.features);
    }
    const int64_t B =
        int64_t(c_.per_device_train_batch_size) * (dp_ ? dp_->world_size() : 1);  // global batch
    batches_per_epoch_  = (int64_t(train_features_.size()) + B - 1) / B;
    const int64_t total = c_.max_steps > 0
                              ? c_.max_steps
                              : int64_t(std::ceil(c_.num_train_epochs * double(batches_per_epoch_) /
                                                  double(c_.gradient_accumulation_steps)));
    const int64_t warmup =
        c_.warmup_steps > 0 ? c_.warmup_steps : int64_t(std::ceil(c_.warmup_ratio * double(total)));
    schedule_ = {c_.lr_scheduler_type, c_.learning_rate, warmup, total};

    build_model(resume_point ? std::optional<fs::path>(resume_point->second) : std::nullopt);
    planner_ = std::make_unique<PrecisionPlanner>(c_, levels_, adapters_, model_->transformer->config.n_layer,
                                                  total);
    build_optimizer();
    if (resume_point) {
        load_training_state(resume_point->second);
        start_step_ = resume_point->first;
        std::fprintf(stderr, "resuming from %s (step %lld of %lld)\n", resume_point->second.string().c_str(),
                     (long long)start_step_, (long long)total);
    }
    int64_t n_trainable = 0;
    for (const auto& [n, p] : trainable_) n_trainable += p.numel();
    std::fprintf(stderr,
                 "train: %zu questions -> %zu features, %lld steps of %d x %d, %s fine-tuning, %lld "
                 "trainable parameters\n",
                 train_ds_.examples.size(), train_features_.size(), (long long)total,
                 c_.per_device_train_batch_size, c_.gradient_accumulation_steps, c_.finetune.c_str(),
                 (long long)n_trainable);

    std::vector<torch::Tensor> params;
    for (const auto& [n, p] : trainable_) params.push_back(p);
    model_->train();
    if (c_.prt) {
        if (resume_point) {
            const auto state = core::read_json_file(resume_point->second / "trainer_state.json");
            planner_->set_cyclic_min_bits(state.value("cyclic_min_bits", planner_->cyclic_w().b_min));
        } else {
            precision_range_test();
        }
    }
    core::Progress progress("train", total, c_.logging_steps);
    double window_loss = 0.0, last_loss = 0.0;
    int64_t window_n = 0;
    TrainResult result;
    for (int64_t step = start_step_; step < total; ++step) {
        const double lr = lr_at(schedule_, step);
        for (auto& g : optimizer_->param_groups())
            static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
        // Gradients are reset to undefined, not zero: parameters that get none this step (adapters of
        // inactive levels) are then skipped by AdamW instead of drifting on their old moments.
        for (auto& p : params) p.mutable_grad() = torch::Tensor();
        double step_loss = 0.0;
        const auto plan  = planner_->plan(step);
        std::map<std::string, double> level_losses;
        for (int a = 0; a < c_.gradient_accumulation_steps; ++a) {
            step_loss += train_micro_batch(micro_batch(step * c_.gradient_accumulation_steps + a), plan, step,
                                           level_losses);
        }
        if (dp_) {
            dp_->average_gradients(params);
            step_loss = dp_->average(step_loss);
        }
        if (c_.mode != "static" && is_main()) {
            nlohmann::ordered_json passes = nlohmann::ordered_json::array();
            for (const auto& pass : plan.passes) {
                passes.push_back(
                    {{"precision", pass.label}, {"w_bits", pass.w_bits}, {"loss", level_losses[pass.label]}});
            }
            std::ofstream(out_ / "schedule.jsonl", std::ios::app)
                << nlohmann::ordered_json{{"step", step + 1}, {"passes", passes}}.dump() << "\n";
        }
        double grad_norm = 0.0;
        if (c_.max_grad_norm > 0) grad_norm = torch::nn::utils::clip_grad_norm_(params, c_.max_grad_norm);
        optimizer_->step();
        window_loss += step_loss;
        ++window_n;
        const int64_t done = step + 1;
        if (is_main()) progress.update(done, fmt::format("loss {:.4f} | lr {:.2e}", step_loss, lr));
        if (done % c_.logging_steps == 0 || done == total) {
            last_loss = window_loss / double(window_n);
            log({{"step", done},
                 {"loss", last_loss},
                 {"learning_rate", lr},
                 {"grad_norm", grad_norm},
                 {"epoch", double(done * c_.gradient_accumulation_steps) / double(batches_per_epoch_)},
                 {"elapsed", progress.elapsed()}});
            window_loss = 0.0;
            window_n    = 0;
        }
        if (c_.save_steps > 0 && done % c_.save_steps == 0 && done != total && is_main())
            save_checkpoint(done, last_loss);
        if (done == c_.interrupt_after_steps && done != total) {
            progress.finish();
            result.steps   = done;
            result.seconds = progress.elapsed();
            return result;
        }
        if (!eval_features_.empty() && c_.eval_steps > 0 && done % c_.eval_steps == 0 && done != total &&
            is_main()) {
            progress.finish();
            evaluate(done, false);
        }
    }
    progress.finish();
    result.steps     = total;
    result.last_loss = last_loss;
    result.seconds   = progress.elapsed();
    model_->set_precision(planner_->eval_configs().front());  // saved and reported at its highest level
    if (!is_main()) return result;                            // rank 0 writes the run
    if (start_step_ < total) save_checkpoint(total, last_loss);
    save_model(out_);
    if (!eval_features_.empty()) result.eval = evaluate(total, true);
    core::write_file_atomic(
        out_ / "train_results.json",
        nlohmann::ordered_json{{"global_step", total},
                               {"train_loss", last_loss},
                               {"train_runtime", result.seconds},
                               {"train_steps_per_second", double(total - start_step_) / result.seconds},
                               {"train_features", train_features_.size()}}
                .dump(2) +
            "\n");
    return result;
}

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> mark_trainable(model::Gpt2ForQuestionAnswering& model,
                                                                  const std::string& finetune) {
    std::vector<std::pair<std::string, torch::Tensor>> trainable;
    for (auto& p : model->named_parameters()) {
        const bool train = finetune == "full" || p.key().find(".lora_") != std::string::npos ||
                           p.key().rfind("qa_outputs.", 0) == 0;
        p.value().set_requires_grad(train);
        if (train) trainable.emplace_back(p.key(), p.value());
    }
    return trainable;
}

TrainResult run_training(const TrainConfig& config) {
    validate(config);
    return Trainer(config).run();
}

}  // namespace bitswitch::train
