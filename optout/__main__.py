from optout.cli.app import main

main()
