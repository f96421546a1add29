set terminal pngcairo size 1100,600 enhanced font 'Sans,10'
set output 'chunking.png'
set datafile separator ','
set datafile missing 'nan'
set grid
set key top left
set title 'Action chunking on push (expert: waypoints): success vs chunk length H (5 seeds × 100 episodes per point)'
set xlabel 'chunk length H (actions per prediction; log scale)'
set ylabel 'success rate (bars: Wilson 95%, pooled; circles: single seeds)'
set logscale x 2
set xrange [0.8:20]
set yrange [-0.02:1.02]
set key outside right top
plot 'chunking.csv' skip 1 using ($1*0.94):5:6:7 with yerrorlines lw 2 pt 7 lc rgb '#d62728' title 'open loop', \
     'chunking.csv' skip 1 using ($1*1.00):14:15:16 with yerrorlines lw 2 pt 7 lc rgb '#2ca02c' title 'receding k = ⌈H/2⌉', \
     'chunking.csv' skip 1 using ($1*1.06):23:24:25 with yerrorlines lw 2 pt 7 lc rgb '#1f77b4' title 'temporal ensemble (m = 0.01)', \
     'chunking_seeds.csv' skip 1 using ($1*0.94):3 with points pt 6 ps 1.0 lc rgb '#d62728' title 'single seeds', \
     'chunking_seeds.csv' skip 1 using ($1*1.00):4 with points pt 6 ps 1.0 lc rgb '#2ca02c' notitle, \
     'chunking_seeds.csv' skip 1 using ($1*1.06):5 with points pt 6 ps 1.0 lc rgb '#1f77b4' notitle
