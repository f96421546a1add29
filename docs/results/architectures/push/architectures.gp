set terminal pngcairo size 1300,560 enhanced font 'Sans,10'
set output 'architectures.png'
set datafile separator ','
set datafile missing 'nan'
set grid
set key top left
set multiplot layout 1,2 title 'Architectures on push: 20 waypoints demonstrations per seed, 5 seeds (bars: t 95% over seeds)'
set logscale x
set yrange [-0.02:1.25]
set ylabel 'success rate'
set key top center horizontal font ',9'
set xlabel 'training compute (s on one core: steps × measured s/step)'
set title 'success against training compute'
plot 'architectures.csv' skip 1 using (column(1) == 0 ? column(7) : 1/0):10:11:12 with yerrorbars pt 5 ps 1.6 lw 2 title 'MLP-MSE', 'architectures.csv' skip 1 using (column(1) == 1 ? column(7) : 1/0):10:11:12 with yerrorbars pt 7 ps 1.6 lw 2 title 'MLP-GMM (K = 5)', 'architectures.csv' skip 1 using (column(1) == 2 ? column(7) : 1/0):10:11:12 with yerrorbars pt 9 ps 1.6 lw 2 title 'MLP-diffusion (DDIM 10)', 'architectures.csv' skip 1 using (column(1) == 3 ? column(7) : 1/0):10:11:12 with yerrorbars pt 11 ps 1.6 lw 2 title 'ACT (H = 8, ensemble)', 'architectures.csv' skip 1 using (column(1) == 4 ? column(7) : 1/0):10:11:12 with yerrorbars pt 5 ps 1.6 lw 2 title 'Decision Transformer'
set xlabel 'µs per executed action (batch 1, one core)'
set title 'success against the cost of acting'
plot 'architectures.csv' skip 1 using (column(1) == 0 ? column(9) : 1/0):10:11:12 with yerrorbars pt 5 ps 1.6 lw 2 title 'MLP-MSE', 'architectures.csv' skip 1 using (column(1) == 1 ? column(9) : 1/0):10:11:12 with yerrorbars pt 7 ps 1.6 lw 2 title 'MLP-GMM (K = 5)', 'architectures.csv' skip 1 using (column(1) == 2 ? column(9) : 1/0):10:11:12 with yerrorbars pt 9 ps 1.6 lw 2 title 'MLP-diffusion (DDIM 10)', 'architectures.csv' skip 1 using (column(1) == 3 ? column(9) : 1/0):10:11:12 with yerrorbars pt 11 ps 1.6 lw 2 title 'ACT (H = 8, ensemble)', 'architectures.csv' skip 1 using (column(1) == 4 ? column(9) : 1/0):10:11:12 with yerrorbars pt 5 ps 1.6 lw 2 title 'Decision Transformer'
unset multiplot
