set terminal pngcairo size 1300,520 enhanced font 'Sans,10'
set output 'noise.png'
set datafile separator ','
set datafile missing 'nan'
set grid
set key top left
set multiplot layout 1,2 title 'Noise injection (DART) on reacher: BC on 3 noisy demonstrations per seed, 5 seeds'
set xlabel 'σ (fraction of the action half-range)'
set ylabel 'success rate'
set yrange [-0.02:1.02]
set title 'success (bars: t 95% over seeds; circles: single seeds)'
plot 'noise.csv' skip 1 using 1:3:4:5 with yerrorlines lw 2 pt 7 lc rgb '#1f77b4' title 'BC + noise', 'noise_seeds.csv' skip 1 using 1:3 with points pt 6 lc rgb '#1f77b4' title 'single seeds'
set autoscale y
set ylabel 'std of the noise (action units)'
set y2label 'clipped fraction'
set y2range [0:1]
set y2tics
set title 'the clip at ±1.00 in every action dimension: drawn vs executed noise'
plot 'noise.csv' skip 1 using 1:16 with linespoints lw 2 title 'drawn σ', '' skip 1 using 1:17 with linespoints lw 2 title 'executed (after the clip)', '' skip 1 using 1:14 axes x1y2 with linespoints dt 2 title 'clipped fraction'
unset multiplot
