# Reference values for tests/evaluation/test_eval_weights.py, from R's survey package.
# Inputs are written by make_weights_reference.py. Run once:
#   Rscript tests/evaluation/data/weights_reference.R
# (R 4.x, survey 4.1-1, Debian packages r-base-core r-cran-survey.) The printed numbers are
# kept as constants in the test.
suppressMessages(library(survey))
options(digits = 15)
here <- "tests/evaluation/data"
frame <- read.csv(file.path(here, "weights_frame.csv"), stringsAsFactors = FALSE)
scores <- read.csv(file.path(here, "weights_scores.csv"), stringsAsFactors = FALSE)

for (w in sort(unique(frame$wave))) {
  f <- frame[frame$wave == w, ]
  resp <- f[f$responded == 1, ]
  resp$w0 <- nrow(f) / nrow(resp)
  des <- svydesign(ids = ~1, weights = ~w0, data = resp)
  pop_cell <- as.data.frame(table(cell = f$cell))
  pop_net <- as.data.frame(table(net_cell = f$net_cell))
  raked <- rake(des, list(~cell, ~net_cell), list(pop_cell, pop_net),
                control = list(maxit = 1000, epsilon = 1e-12, verbose = FALSE))
  wr <- weights(raked)
  trimmed <- trimWeights(raked, upper = 1.2 * mean(wr), strict = TRUE)
  wt <- weights(trimmed)
  ids <- order(resp$respondent_id)[1:3]
  cat(sprintf("wave %d raked first3 %s sum_sq %.12f max %.12f\n", w,
              paste(sprintf("%.12f", wr[ids]), collapse = " "), sum(wr^2), max(wr)))
  cat(sprintf("wave %d trimmed first3 %s sum_sq %.12f max %.12f deff %.12f\n", w,
              paste(sprintf("%.12f", wt[ids]), collapse = " "), sum(wt^2), max(wt),
              length(wt) * sum(wt^2) / sum(wt)^2))
  # R-indicator: 1 - 2 sd of the fitted propensities; partial P_u for fylke
  fit <- glm(responded ~ role + fylke + network, family = binomial, data = f)
  rho <- fitted(fit)
  pu <- sqrt(sum(tapply(rho, f$fylke, function(x) length(x) * (mean(x) - mean(rho))^2)) /
             length(rho))
  cat(sprintf("wave %d R %.12f CV %.12f Pu_fylke %.12f\n", w, 1 - 2 * sd(rho),
              sd(rho) / mean(rho), pu))
}

for (cl in c("kommune", "respondent_id")) {
  des <- svydesign(ids = as.formula(paste0("~", cl)), weights = ~weight, data = scores)
  by <- svyby(~score, ~wave + role, des, svymean, covmat = TRUE)
  v <- vcov(by)
  for (r in sort(unique(scores$role))) {
    a <- paste("2021", r, sep = "."); b <- paste("2023", r, sep = ".")
    cvec <- setNames(rep(0, nrow(by)), rownames(by)); cvec[b] <- 1; cvec[a] <- -1
    d <- svycontrast(by, cvec)
    cat(sprintf("cluster %s role %s mean2021 %.12f mean2023 %.12f diff %.12f se %.12f\n", cl, r,
                coef(by)[a], coef(by)[b], coef(d), SE(d)))
  }
}

# Panel members' mean within-person change with the first wave's weights (the attrition
# weights' variance path): svyby(~d, ~role, svydesign(ids = ~kommune, weights = ~w), svymean)
a <- scores[scores$wave == 2021, ]
b <- scores[scores$wave == 2023, ]
p <- merge(a, b, by = "respondent_id", suffixes = c("_a", "_b"))
p$d <- p$score_b - p$score_a
des <- svydesign(ids = ~kommune_a, weights = ~weight_a, data = p)
res <- svyby(~d, ~role_a, des, svymean)
for (i in seq_len(nrow(res))) {
  cat(sprintf("panel role %s n %d d %.12f se %.12f\n", res$role_a[i], sum(p$role_a == res$role_a[i]),
              res$d[i], res$se[i]))
}
