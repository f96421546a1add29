set terminal pngcairo size 1400,840 enhanced font 'Sans,10'
set output 'multimodal_paths_H1.png'
set datafile separator ','
set datafile missing 'nan'
set grid
set key top left
set multiplot layout 2,4 title 'Point mass, H = 1 actions per query, starts in the demonstrations band: 10 paths per seed and policy (green: goal, red: collision, grey: time limit)'
set size ratio -1
set xrange [-1.6:1.6]
set yrange [-0.2:3.4]
unset key
set xlabel 'x'
set ylabel 'y'
set object 1 circle at 0.00,1.50 size 0.50 fc rgb '#999999' fs solid 0.6 noborder
set object 2 circle at 0.00,3.00 size 0.20 fc rgb '#2ca02c' fs transparent solid 0.2 border lc rgb '#2ca02c'
set title 'expert demonstrations: 100.0%'
plot 'multimodal_paths_H1.csv' skip 1 using (($1 == 0 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H1.csv' skip 1 using (($1 == 0 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H1.csv' skip 1 using (($1 == 0 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
set title 'BC (MSE): 83.5%'
plot 'multimodal_paths_H1.csv' skip 1 using (($1 == 1 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H1.csv' skip 1 using (($1 == 1 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H1.csv' skip 1 using (($1 == 1 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
set title 'GMM (K = 5), sampled: 95.9%'
plot 'multimodal_paths_H1.csv' skip 1 using (($1 == 2 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H1.csv' skip 1 using (($1 == 2 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H1.csv' skip 1 using (($1 == 2 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
set title 'tokens (64 bins), sampled τ = 1: 97.8%'
plot 'multimodal_paths_H1.csv' skip 1 using (($1 == 3 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H1.csv' skip 1 using (($1 == 3 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H1.csv' skip 1 using (($1 == 3 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
set title 'CVAE, z sampled from N(0, I): 71.4%'
plot 'multimodal_paths_H1.csv' skip 1 using (($1 == 4 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H1.csv' skip 1 using (($1 == 4 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H1.csv' skip 1 using (($1 == 4 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
set title 'CVAE, z = 0: 65.6%'
plot 'multimodal_paths_H1.csv' skip 1 using (($1 == 5 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H1.csv' skip 1 using (($1 == 5 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H1.csv' skip 1 using (($1 == 5 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
set title 'diffusion, DDPM (50 steps): 84.3%'
plot 'multimodal_paths_H1.csv' skip 1 using (($1 == 6 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H1.csv' skip 1 using (($1 == 6 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H1.csv' skip 1 using (($1 == 6 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
set title 'diffusion, DDIM (10 steps): 84.0%'
plot 'multimodal_paths_H1.csv' skip 1 using (($1 == 7 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H1.csv' skip 1 using (($1 == 7 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H1.csv' skip 1 using (($1 == 7 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
unset multiplot
unset object 1
unset object 2
set terminal pngcairo size 1400,840 enhanced font 'Sans,10'
set output 'multimodal_paths_H8.png'
set datafile separator ','
set datafile missing 'nan'
set grid
set key top left
set multiplot layout 2,4 title 'Point mass, H = 8 actions per query, starts in the demonstrations band: 10 paths per seed and policy (green: goal, red: collision, grey: time limit)'
set size ratio -1
set xrange [-1.6:1.6]
set yrange [-0.2:3.4]
unset key
set xlabel 'x'
set ylabel 'y'
set object 1 circle at 0.00,1.50 size 0.50 fc rgb '#999999' fs solid 0.6 noborder
set object 2 circle at 0.00,3.00 size 0.20 fc rgb '#2ca02c' fs transparent solid 0.2 border lc rgb '#2ca02c'
set title 'expert demonstrations: 100.0%'
plot 'multimodal_paths_H8.csv' skip 1 using (($1 == 0 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H8.csv' skip 1 using (($1 == 0 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H8.csv' skip 1 using (($1 == 0 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
set title 'BC (MSE): 27.9%'
plot 'multimodal_paths_H8.csv' skip 1 using (($1 == 1 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H8.csv' skip 1 using (($1 == 1 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H8.csv' skip 1 using (($1 == 1 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
set title 'GMM (K = 5), sampled: 81.2%'
plot 'multimodal_paths_H8.csv' skip 1 using (($1 == 2 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H8.csv' skip 1 using (($1 == 2 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H8.csv' skip 1 using (($1 == 2 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
set title 'tokens (64 bins), sampled τ = 1: 59.4%'
plot 'multimodal_paths_H8.csv' skip 1 using (($1 == 3 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H8.csv' skip 1 using (($1 == 3 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H8.csv' skip 1 using (($1 == 3 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
set title 'CVAE, z sampled from N(0, I): 71.5%'
plot 'multimodal_paths_H8.csv' skip 1 using (($1 == 4 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H8.csv' skip 1 using (($1 == 4 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H8.csv' skip 1 using (($1 == 4 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
set title 'CVAE, z = 0: 43.8%'
plot 'multimodal_paths_H8.csv' skip 1 using (($1 == 5 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H8.csv' skip 1 using (($1 == 5 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H8.csv' skip 1 using (($1 == 5 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
set title 'diffusion, DDPM (50 steps): 7.9%'
plot 'multimodal_paths_H8.csv' skip 1 using (($1 == 6 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H8.csv' skip 1 using (($1 == 6 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H8.csv' skip 1 using (($1 == 6 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
set title 'diffusion, DDIM (10 steps): 5.0%'
plot 'multimodal_paths_H8.csv' skip 1 using (($1 == 7 && $7 == 0) ? $5 : NaN):6 with lines lw 1 lc rgb '#888888', 'multimodal_paths_H8.csv' skip 1 using (($1 == 7 && $7 == 1) ? $5 : NaN):6 with lines lw 1 lc rgb '#2ca02c', 'multimodal_paths_H8.csv' skip 1 using (($1 == 7 && $7 == 2) ? $5 : NaN):6 with lines lw 1 lc rgb '#d62728'
unset multiplot
unset object 1
unset object 2
