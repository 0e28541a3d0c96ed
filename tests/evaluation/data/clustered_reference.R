# Reference values for tests/evaluation/test_eval_clustered.py: lme4 with two random
# intercepts (kommune and person). Input from make_clustered_reference.py. Run once:
#   Rscript tests/evaluation/data/clustered_reference.R
# (R 4.x, lme4 from Debian's r-cran-lme4.) The printed numbers are kept in the test.
suppressMessages(library(lme4))
d <- read.csv("tests/evaluation/data/clustered_scores.csv", stringsAsFactors = FALSE)
d$wave <- factor(d$wave)
fit <- lmer(score ~ wave + (1 | kommune) + (1 | respondent_id), data = d, REML = TRUE,
            control = lmerControl(optimizer = "bobyqa",
                                  optCtrl = list(rhobeg = 2e-4, rhoend = 2e-12, maxfun = 1e5)))
cat(sprintf("packageVersion %s\n", packageVersion("lme4")))
cat(sprintf("n %d persons %d kommuner %d\n", nrow(d), length(unique(d$respondent_id)),
            length(unique(d$kommune))))
cat(sprintf("fixef %s\n", paste(sprintf("%.10f", fixef(fit)), collapse = " ")))
cat(sprintf("se %s\n", paste(sprintf("%.10f", sqrt(diag(as.matrix(vcov(fit))))), collapse = " ")))
vc <- as.data.frame(VarCorr(fit))
cat(sprintf("var %s %.10f\n", vc$grp, vc$vcov), sep = "")
cat(sprintf("REMLcrit %.8f\n", REMLcrit(fit)))
