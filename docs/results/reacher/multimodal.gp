set terminal pngcairo size 1400,660 enhanced font 'Sans,10'
set output 'multimodal.png'
set datafile separator ','
set datafile missing 'nan'
set grid
set key top left
set multiplot layout 2,4 title 'Toy with two valid actions (±1) per observation: sampled actions per head, pooled over 5 seeds (blue: the demonstrations)'
set style fill transparent solid 0.5 border -1
set boxwidth 0.1000 absolute
set xrange [-1.55:1.55]
set yrange [0:0.65]
set xlabel 'action a'
set ylabel 'fraction per bin'
unset key
set arrow 1 from -1, graph 0 to -1, graph 1 nohead dt 2 lc rgb '#555555'
set arrow 2 from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb '#555555'
set title 'demonstrations'
plot 'multimodal.csv' skip 1 using 3:5 with boxes lc rgb '#1f77b4'
set title 'BC (MSE): 0.0% valid'
plot 'multimodal.csv' skip 1 using 3:5 with boxes lc rgb '#1f77b4', '' skip 1 using 3:7 with boxes lc rgb '#d62728'
set title 'GMM (K = 5), sampled: 100.0% valid'
plot 'multimodal.csv' skip 1 using 3:5 with boxes lc rgb '#1f77b4', '' skip 1 using 3:9 with boxes lc rgb '#d62728'
set title 'tokens (64 bins), sampled τ = 1: 100.0% valid'
plot 'multimodal.csv' skip 1 using 3:5 with boxes lc rgb '#1f77b4', '' skip 1 using 3:11 with boxes lc rgb '#d62728'
set title 'CVAE, z sampled from N(0, I): 85.1% valid'
plot 'multimodal.csv' skip 1 using 3:5 with boxes lc rgb '#1f77b4', '' skip 1 using 3:13 with boxes lc rgb '#d62728'
set title 'CVAE, z = 0: 1.1% valid'
plot 'multimodal.csv' skip 1 using 3:5 with boxes lc rgb '#1f77b4', '' skip 1 using 3:15 with boxes lc rgb '#d62728'
set title 'diffusion, DDPM (50 steps): 99.2% valid'
plot 'multimodal.csv' skip 1 using 3:5 with boxes lc rgb '#1f77b4', '' skip 1 using 3:17 with boxes lc rgb '#d62728'
set title 'diffusion, DDIM (10 steps): 94.0% valid'
plot 'multimodal.csv' skip 1 using 3:5 with boxes lc rgb '#1f77b4', '' skip 1 using 3:19 with boxes lc rgb '#d62728'
unset multiplot
