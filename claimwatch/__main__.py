from claimwatch.entry import main

main()
